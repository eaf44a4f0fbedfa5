// The processes a job starts that no process group covers (issue 16, item 4): a thread
// script's children (they are the engine's own), children that move to a session of their own
// (setsid, `detached: true`), a shell command's `setsid` grandchild. Each carries its job's tag
// (CORELANE_JOB_TAG) and ends when its job is timed out or cancelled, or its worker is lost; a
// job that ends by itself keeps what it left. Real processes: each writes the pid of a
// `sleep 300` it started, and the test watches /proc/<pid>.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/main/engine/index.ts'
import type { JobSpec } from '../../src/shared/job.ts'
import { makeEngine, until, writeScript } from './fixture.ts'
import { alive } from './process-probes.ts'

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

/**
 * A script that starts `sleep 300` (`detached`: in a session of its own), writes its pid, then
 * either ignores its abort signal (`ignore`: only ending its worker stops it), honours it, or
 * returns at once (`return`).
 */
function spawner(file: string, detached: boolean, then: 'ignore' | 'honour' | 'return'): string {
  const wait = {
    ignore: 'await new Promise(() => {})',
    honour: 'await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)))',
    return: '',
  }[then]
  return `import { spawn } from 'node:child_process'
import { renameSync, writeFileSync } from 'node:fs'
export default async function (_input, ctx) {
  const child = spawn('sleep', ['300'], { stdio: 'ignore', detached: ${detached} })
  child.unref()
  writeFileSync(${JSON.stringify(`${file}.tmp`)}, child.pid + '\\n')
  renameSync(${JSON.stringify(`${file}.tmp`)}, ${JSON.stringify(file)})
  ${wait}
  return 'done'
}`
}

async function pidIn(file: string): Promise<number> {
  await until(() => existsSync(file), 20_000, `pid file ${file}`)
  const pid = Number((await readFile(file, 'utf8')).trim())
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

async function scriptJob(dir: string, name: string, detached: boolean, then: 'ignore' | 'honour' | 'return') {
  const file = join(dir, `${name}.pid`)
  const module = await writeScript(dir, name, spawner(file, detached, then))
  return { file, params: { module } }
}

describe.skipIf(process.platform !== 'linux')('processes a job started, found by its tag', () => {
  it("a timed-out thread script's child ends when the script ignores its abort (its thread is ended)", async () => {
    const { engine, dir } = await makeEngine({ graceMs: 200 })
    const { file, params } = await scriptJob(dir, 'ignore', false, 'ignore')
    await engine.run({ kind: 'noop', executor: 'thread', params: {} }) // a thread up: its start is not timed
    const id = await submit(engine, { kind: 'script', executor: 'thread', params, timeoutMs: 2000, retries: 0 })
    const pid = await pidIn(file)
    // The child carries its job's tag, inherited from the thread's own process.env.
    expect(await readFile(`/proc/${pid}/environ`, 'utf8')).toMatch(new RegExp(`CORELANE_JOB_TAG=[0-9a-f]{12}\\.${id}\\.1\\0`))
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.state).toBe('timed-out')
    await gone(pid, 'thread script child after the timeout')
  }, 60_000)

  for (const executor of ['thread', 'process'] as const) {
    it(`a cancelled ${executor} script's detached child ends, although the script stopped as asked`, async () => {
      const { engine, dir } = await makeEngine()
      const { file, params } = await scriptJob(dir, `detached-${executor}`, true, 'honour')
      const id = await submit(engine, { kind: 'script', executor, params })
      const pid = await pidIn(file)
      engine.cancel([id])
      await engine.whenSettled([id])
      expect(engine.getJob(id)!.state).toBe('cancelled')
      await gone(pid, `${executor} script's detached child after a cancel`)
    }, 60_000)
  }

  it("killWorker ends a thread script's detached child", async () => {
    const { engine, dir } = await makeEngine()
    const { file, params } = await scriptJob(dir, 'killed', true, 'ignore')
    const id = await submit(engine, { kind: 'script', executor: 'thread', params, retries: 0 })
    const pid = await pidIn(file)
    expect(engine.killWorker(engine.getJob(id)!.workerId!)).toBe(true)
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.state).toBe('failed')
    await gone(pid, 'detached child after killWorker')
  }, 60_000)

  it("a timed-out shell command's setsid grandchild ends with it (it left the command's group)", async () => {
    const { engine, dir } = await makeEngine({ graceMs: 300 })
    const file = join(dir, 'setsid.pid')
    const argv = ['/bin/sh', '-c', `setsid sleep 300 & echo $! > '${file}.tmp'; mv '${file}.tmp' '${file}'; wait`]
    await engine.run({ kind: 'noop', executor: 'process', params: {} }) // a worker up: its start is not timed
    const id = await submit(engine, { kind: 'shell', executor: 'process', params: { argv }, timeoutMs: 2000, retries: 0 })
    const pid = await pidIn(file)
    expect((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[3]).toBe(String(pid)) // its own session
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.state).toBe('timed-out')
    await gone(pid, 'setsid grandchild after the timeout')
  }, 60_000)

  it("engine close ends a running thread script's detached child", async () => {
    const { engine, dir } = await makeEngine()
    const { file, params } = await scriptJob(dir, 'closing', true, 'ignore')
    await submit(engine, { kind: 'script', executor: 'thread', params })
    const pid = await pidIn(file)
    await engine.close()
    expect(alive(pid)).toBe(false)
  }, 60_000)

  it("cancelling one job leaves another job's child alone", async () => {
    const { engine, dir } = await makeEngine({ cpuSlots: 2 })
    const first = await scriptJob(dir, 'first', true, 'honour')
    const second = await scriptJob(dir, 'second', true, 'honour')
    const a = await submit(engine, { kind: 'script', executor: 'thread', params: first.params })
    const b = await submit(engine, { kind: 'script', executor: 'thread', params: second.params })
    const [pidA, pidB] = [await pidIn(first.file), await pidIn(second.file)]
    engine.cancel([a])
    await engine.whenSettled([a])
    await gone(pidA, "the cancelled job's child")
    expect(alive(pidB)).toBe(true)
    expect(engine.getJob(b)!.state).toBe('running')
  }, 60_000)

  it('a job that ends by itself keeps the child it left (as nohup intends)', async () => {
    const { engine, dir } = await makeEngine()
    const { file, params } = await scriptJob(dir, 'left', true, 'return')
    const id = await submit(engine, { kind: 'script', executor: 'thread', params })
    const pid = await pidIn(file)
    await engine.whenSettled([id])
    expect(engine.getJob(id)!.state).toBe('succeeded')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(alive(pid)).toBe(true)
  }, 60_000)
})

describe.skipIf(process.platform !== 'linux')('a command whose worker dies before its report is applied', () => {
  it('still ends: its tag was known from the hand-off', async () => {
    const { engine, dir } = await makeEngine()
    // A race by nature (the worker's report against its death): without the tag, about one
    // round in three left the command running (measured), so four rounds catch it most times.
    for (let round = 0; round < 4; round++) {
      // A process worker up and idle beforehand, so the job's hand-off is all that is in flight.
      await engine.run({ kind: 'noop', executor: 'process', params: {} })
      const file = join(dir, `early-${round}.pid`)
      const argv = ['/bin/sh', '-c', `sleep 300 & echo $! > '${file}.tmp'; mv '${file}.tmp' '${file}'; wait`]
      const id = await submit(engine, { kind: 'shell', executor: 'process', params: { argv }, retries: 0 })
      await until(() => !!engine.getJob(id)?.workerId, 20_000, 'hand-off')
      const workerPid = engine.workers().find((w) => w.id === engine.getJob(id)!.workerId)!.pid!
      // The engine's thread is held (a synchronous wait) until the command runs and its worker
      // is killed, so the worker's report of the command's group cannot be applied first.
      const deadline = Date.now() + 20_000
      const tick = new Int32Array(new SharedArrayBuffer(4))
      while (!existsSync(file) && Date.now() < deadline) Atomics.wait(tick, 0, 0, 2)
      process.kill(workerPid, 'SIGKILL')
      const pid = await pidIn(file)
      await engine.whenSettled([id])
      expect(engine.getJob(id)!.state).toBe('failed')
      await gone(pid, `round ${round}: the command of a worker killed before its report`)
    }
  }, 90_000)
})
