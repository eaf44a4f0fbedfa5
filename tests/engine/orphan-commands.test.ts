// Shell commands (and a script's children) never outlive their worker: every way a worker or the
// engine ends, the commands' process groups end too, and a job retried after its worker was
// lost never runs while its first attempt's command still does. Real processes, real signals:
// each command writes the pid of a `sleep 300` it started to a file, and the test watches
// /proc/<pid> (generous bounds: the grace before SIGKILL is 2 s).
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobSpec } from '../../src/shared/job.ts'
import type { Engine } from '../../src/main/engine/index.ts'
import { makeEngine, sleep, until, writeScript } from './fixture.ts'
import { alive, recorded } from './process-probes.ts'

/** Left behind by a failing test: ended here so they do not pile up on a shared machine. */
const started: number[] = []
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Gone, as it should be.
    }
  }
})

/** sh starts `sleep 300` in the background (a child in the command's group) and writes its pid to `file`. */
const sleeper = (file: string) => [
  '/bin/sh',
  '-c',
  `sleep 300 & echo "$! $PPID" > '${file}.tmp'; mv '${file}.tmp' '${file}'; wait`,
]

/** The shell server that started the command (the command's parent), from the second number in `file`. */
async function serverIn(file: string): Promise<number> {
  const server = Number((await readFile(file, 'utf8')).trim().split(' ')[1])
  expect(alive(server)).toBe(true)
  expect(await readFile(`/proc/${server}/cmdline`, 'utf8')).toContain('while IFS= read')
  return server
}

async function pidIn(file: string): Promise<number> {
  await until(() => existsSync(file), 20_000, `pid file ${file}`)
  const pid = Number((await readFile(file, 'utf8')).trim().split(' ')[0])
  started.push(pid)
  expect(alive(pid)).toBe(true)
  return pid
}

async function gone(pid: number, what: string): Promise<void> {
  await until(() => !alive(pid), 15_000, `${what}: pid ${pid} to end`)
}

async function submit(engine: Engine, spec: JobSpec): Promise<number> {
  const { jobIds } = await engine.submit({ jobs: [spec] })
  return jobIds[0]!
}

async function workerOf(engine: Engine, id: number): Promise<number> {
  await until(() => engine.getJob(id)?.state === 'running' && !!engine.getJob(id)?.workerId, 20_000, 'job running')
  return engine.getJob(id)!.workerId!
}

describe.skipIf(process.platform !== 'linux')('commands end with their worker', () => {
  for (const executor of ['thread', 'process'] as const) {
    it(`killWorker ends the command of a ${executor} worker, children included`, async () => {
      const { engine, dir } = await makeEngine()
      const file = join(dir, 'pid')
      const id = await submit(engine, { kind: 'shell', params: { argv: sleeper(file) }, executor, retries: 0 })
      const worker = await workerOf(engine, id)
      const pid = await pidIn(file)
      await recorded(dir, executor === 'process' ? 2 : 1)
      const server = await serverIn(file)
      expect(engine.killWorker(worker)).toBe(true)
      await gone(pid, 'killWorker')
      // The server that started it leaves too: its command over, it reads the end of its input.
      await gone(server, 'the shell server')
      await engine.whenSettled([id])
      expect(engine.getJob(id)!.state).toBe('failed')
    }, 60_000)
  }

  it('engine close ends every command before it resolves', async () => {
    const { engine, dir } = await makeEngine()
    const pids: number[] = []
    for (const executor of ['thread', 'process'] as const) {
      const file = join(dir, `pid-${executor}`)
      await submit(engine, { kind: 'shell', params: { argv: sleeper(file) }, executor })
      pids.push(await pidIn(file))
    }
    await recorded(dir, 3)
    await engine.close()
    for (const pid of pids) expect(alive(pid)).toBe(false)
  }, 60_000)

  it('a process worker killed with SIGKILL: the engine, which holds the groups, ends its command', async () => {
    const { engine, dir } = await makeEngine()
    const file = join(dir, 'pid')
    const id = await submit(engine, { kind: 'shell', params: { argv: sleeper(file) }, executor: 'process', retries: 0 })
    const worker = await workerOf(engine, id)
    const pid = await pidIn(file)
    await recorded(dir, 2)
    const workerPid = engine.workers().find((w) => w.id === worker)!.pid!
    expect(workerPid).not.toBe(process.pid)
    process.kill(workerPid, 'SIGKILL')
    await gone(pid, 'worker SIGKILL')
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.error?.code).toBe('worker-crashed')
  }, 60_000)

  it('a retried job never runs while its lost attempt still does', async () => {
    const { engine, dir } = await makeEngine()
    const file = join(dir, 'pid')
    const overlap = join(dir, 'overlap')
    // The second attempt notes whether the first one's sleep is still there, then ends.
    const script = [
      `if [ -f '${file}' ]; then kill -0 "$(cat '${file}')" 2>/dev/null && echo overlap > '${overlap}'; exit 0; fi`,
      `sleep 300 & echo $! > '${file}.tmp'; mv '${file}.tmp' '${file}'; wait`,
    ].join('\n')
    const id = await submit(engine, {
      kind: 'shell',
      params: { argv: ['/bin/sh', '-c', script] },
      executor: 'thread',
      retries: 1,
    })
    const worker = await workerOf(engine, id)
    const pid = await pidIn(file)
    await recorded(dir)
    engine.killWorker(worker)
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.state).toBe('succeeded')
    expect(engine.getJob(id)!.attempts).toBe(2)
    expect(existsSync(overlap)).toBe(false)
    expect(alive(pid)).toBe(false)
  }, 60_000)

  it("a timed-out script's children end with its process worker", async () => {
    const { engine, dir } = await makeEngine()
    const file = join(dir, 'pid')
    // Ignores its abort signal: only ending its worker stops it, and its child must go too.
    const path = await writeScript(
      dir,
      'spawner',
      `import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
export default async function () {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' })
  writeFileSync(${JSON.stringify(file)}, child.pid + '\\n')
  await new Promise(() => {})
}`,
    )
    // A process worker up beforehand: on a loaded machine a new one's start alone can outlast
    // the job's hand-off watchdog (timeout + grace), and it would time out before it started.
    await engine.run({ kind: 'noop', params: {}, executor: 'process' })
    const id = await submit(engine, { kind: 'script', params: { module: path }, executor: 'process', timeoutMs: 2000 })
    const pid = await pidIn(file)
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.state).toBe('timed-out')
    await gone(pid, 'timed-out script child')
  }, 60_000)

  it('a job cancelled while running ends its command group, children included', async () => {
    const { engine, dir } = await makeEngine()
    const file = join(dir, 'pid')
    const id = await submit(engine, { kind: 'shell', params: { argv: sleeper(file) }, executor: 'process' })
    const pid = await pidIn(file)
    engine.cancel([id])
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.state).toBe('cancelled')
    await gone(pid, 'cancel')
    await sleep(0)
  }, 60_000)
})
