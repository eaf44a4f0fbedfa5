// Shell commands never outlive the CLI: SIGTERM to `corelane run` ends them before it exits,
// and after a kill -9 of the CLI (which leaves a thread worker's commands running: nothing is
// left to end them) the next start on that data folder ends them before requeueing. `corelane
// run` is a real child process; each command writes the pid of a `sleep 300` it started.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { sleep, until } from '../engine/fixture.ts'
import { alive, recorded } from '../engine/process-probes.ts'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')
const dirs: string[] = []
const pids: number[] = []
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Gone, as it should be.
    }
  }
})
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function pidIn(file: string): Promise<number> {
  await until(() => existsSync(file), 30_000, `pid file ${file}`)
  const pid = Number((await readFile(file, 'utf8')).trim())
  pids.push(pid)
  expect(alive(pid)).toBe(true)
  return pid
}

function run(args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; signal: string | null }> } {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr!.resume()
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  )
  return { child, exited }
}

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-orphans-'))
  dirs.push(dir)
  return dir
}

/**
 * A script module that starts `sleep 300` in a session of its own (no group of Corelane's holds
 * it), writes its pid to `pidFile` (whole, by a rename) and waits; `prelude` runs first.
 */
function spawnerSource(pidFile: string, prelude = ''): string {
  return `import { spawn } from 'node:child_process'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
export default async function () {
${prelude}  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' })
  child.unref()
  writeFileSync(${JSON.stringify(`${pidFile}.tmp`)}, String(child.pid))
  renameSync(${JSON.stringify(`${pidFile}.tmp`)}, ${JSON.stringify(pidFile)})
  await new Promise(() => {})
}
`
}

describe.skipIf(process.platform !== 'linux')('commands end with the CLI', () => {
  it('SIGTERM to `corelane run` ends its commands (process and thread workers) before it exits', async () => {
    const dir = await folder()
    const jobs = (['process', 'thread'] as const).map((executor) => ({
      name: executor,
      kind: 'shell',
      executor,
      params: {
        argv: [
          '/bin/sh',
          '-c',
          `sleep 300 & echo $! > '${dir}/${executor}.tmp'; mv '${dir}/${executor}.tmp' '${dir}/${executor}'; wait`,
        ],
      },
    }))
    await writeFile(join(dir, 'batch.json'), JSON.stringify({ name: 'term', jobs }))
    const { child, exited } = run([join(dir, 'batch.json'), '--data-dir', join(dir, 'data')])
    const started = [await pidIn(join(dir, 'process')), await pidIn(join(dir, 'thread'))]
    await recorded(join(dir, 'data'), 3) // two commands and the process worker's own group
    child.kill('SIGTERM')
    const { code } = await exited
    expect(code).toBe(1) // cancelled, not succeeded
    // Ended by the CLI on its way out (without it they would run their 300 s).
    for (const pid of started) await until(() => !alive(pid), 10_000, `pid ${pid} to end`)
  }, 90_000)

  it('after kill -9 of the CLI, a process worker ends its commands as its channel closes', async () => {
    const dir = await folder()
    const pidFile = join(dir, 'pid')
    const argv = ['/bin/sh', '-c', `sleep 300 & echo $! > '${pidFile}.tmp'; mv '${pidFile}.tmp' '${pidFile}'; wait`]
    const batch = join(dir, 'batch.json')
    await writeFile(
      batch,
      JSON.stringify({ name: 'gone', jobs: [{ name: 'sleeper', kind: 'shell', executor: 'process', params: { argv } }] }),
    )
    const first = run([batch, '--data-dir', join(dir, 'data')])
    const pid = await pidIn(pidFile)
    await recorded(join(dir, 'data'), 2)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    // No restart needed: the orphaned worker sees its channel close and ends the group.
    await until(() => !alive(pid), 10_000, `pid ${pid} to end`)
  }, 90_000)

  it("after kill -9 of the CLI, a process worker ends its script's detached child as its channel closes", async () => {
    const dir = await folder()
    const pidFile = join(dir, 'pid')
    const module = join(dir, 'spawner.mjs')
    // In a session of its own: not in the worker's group, so only its tag finds it.
    await writeFile(module, spawnerSource(pidFile))
    const batch = join(dir, 'batch.json')
    await writeFile(
      batch,
      JSON.stringify({ name: 'gone', jobs: [{ name: 'spawner', kind: 'script', executor: 'process', params: { module } }] }),
    )
    const first = run([batch, '--data-dir', join(dir, 'data')])
    const pid = await pidIn(pidFile)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    // No restart needed: the orphaned worker sees its channel close and ends what its job started.
    await until(() => !alive(pid), 10_000, `pid ${pid} to end`)
  }, 90_000)

  it('after kill -9 of the CLI, the next `run --resume` ends the leftovers before the job runs again', async () => {
    const dir = await folder()
    const pidFile = join(dir, 'pid')
    const overlap = join(dir, 'overlap')
    // First attempt: a sleep that outlives a killed CLI. Next attempt: notes whether that sleep
    // is still there (it must not be), then succeeds.
    const script = [
      `if [ -f '${pidFile}' ]; then kill -0 "$(cat '${pidFile}')" 2>/dev/null && echo overlap > '${overlap}'; exit 0; fi`,
      `sleep 300 & echo $! > '${pidFile}.tmp'; mv '${pidFile}.tmp' '${pidFile}'; wait`,
    ].join('\n')
    const batch = join(dir, 'batch.json')
    await writeFile(
      batch,
      JSON.stringify({
        name: 'left',
        jobs: [{ name: 'sleeper', kind: 'shell', executor: 'thread', params: { argv: ['/bin/sh', '-c', script] } }],
      }),
    )
    const dataDir = join(dir, 'data')
    const first = run([batch, '--data-dir', dataDir])
    const pid = await pidIn(pidFile)
    await recorded(dataDir, 1)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    await sleep(200)
    expect(alive(pid)).toBe(true) // nothing else would have ended it

    const second = run([batch, '--resume', '--data-dir', dataDir])
    expect((await second.exited).code).toBe(0)
    expect(alive(pid)).toBe(false)
    expect(existsSync(overlap)).toBe(false)
  }, 90_000)

  it("after kill -9 of the CLI, the next start ends a thread script's detached child (by its tag)", async () => {
    const dir = await folder()
    const pidFile = join(dir, 'pid')
    const overlap = join(dir, 'overlap')
    // First attempt: a child in a session of its own (no group of Corelane's holds it), then
    // waits. Next attempt: notes whether that child still runs (it must not), then succeeds.
    const module = join(dir, 'spawner.mjs')
    await writeFile(
      module,
      spawnerSource(
        pidFile,
        `  if (existsSync(${JSON.stringify(pidFile)})) {
    const pid = readFileSync(${JSON.stringify(pidFile)}, 'utf8').trim()
    let state = 'gone'
    try { state = readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ')[0] } catch {}
    if (state !== 'gone' && state !== 'Z') writeFileSync(${JSON.stringify(overlap)}, 'overlap')
    return 'again'
  }
`,
      ),
    )
    const batch = join(dir, 'batch.json')
    await writeFile(
      batch,
      JSON.stringify({ name: 'tagged', jobs: [{ name: 'spawner', kind: 'script', executor: 'thread', params: { module } }] }),
    )
    const dataDir = join(dir, 'data')
    const first = run([batch, '--data-dir', dataDir])
    const pid = await pidIn(pidFile)
    await recorded(dataDir, 1, 'tags')
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    await sleep(200)
    expect(alive(pid)).toBe(true) // nothing else would have ended it

    const second = run([batch, '--resume', '--data-dir', dataDir])
    expect((await second.exited).code).toBe(0)
    expect(alive(pid)).toBe(false)
    expect(existsSync(overlap)).toBe(false)
  }, 90_000)
})
