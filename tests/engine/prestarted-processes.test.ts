// Worker processes started before the engine asks for one (what `corelane run` does while
// its data folder opens): a real engine on real worker processes takes the started one
// instead of starting another, never takes one that died meanwhile or was started for other
// options, and `dispose` ends the ones nobody took. Told its first jobs are shell jobs, a started
// process starts its shell server while it waits, and the first job runs on that server.
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createEngine,
  forkProcessHost,
  localWorkerSetup,
  prestartProcesses,
  type Engine,
  type ProcessHost,
} from '../../src/main/engine/index.ts'
import type { ToWorker } from '../../src/main/engine/worker/protocol.ts'
import { alive } from './process-probes.ts'
import { until } from './fixture.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** The plain-Node host, counting what it starts (the pids, in order). */
function countingHost(): ProcessHost & { pids: number[] } {
  const pids: number[] = []
  return {
    name: forkProcessHost.name,
    pids,
    spawn(path, options) {
      const child = forkProcessHost.spawn(path, options)
      pids.push(child.pid!)
      return child
    },
  }
}

async function setUp(count: number, env?: Record<string, string>, prepare?: ToWorker) {
  const dataDir = await mkdtemp(join(tmpdir(), 'corelane-prestart-'))
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }))
  const setup = localWorkerSetup({ dataDir })
  const counting = countingHost()
  const host = prestartProcesses(counting, setup.entries.process, { execArgv: [], env: env ?? setup.env }, count, prepare)
  cleanup.push(async () => host.dispose())
  const engine: Engine = createEngine({ dataDir, cpuSlots: 1, processHost: host })
  cleanup.push(() => engine.close())
  return { engine, host, started: counting.pids }
}

const shellJob = { kind: 'shell', params: { argv: ['true'] } }

describe('prestarted worker processes', () => {
  it('the engine runs its first process job on the started process, and dispose ends the unused one', async () => {
    const { engine, host, started } = await setUp(2)
    expect(started).toHaveLength(2)
    const { jobIds } = await engine.submit({ jobs: [shellJob] })
    await engine.whenSettled(jobIds)
    expect(engine.getJob(jobIds[0]!)?.state).toBe('succeeded')
    // Nothing new was started: the worker is the first started process.
    expect(started).toHaveLength(2)
    expect(engine.workers().map((w) => w.pid)).toEqual([started[0]])
    expect(alive(started[1]!)).toBe(true)
    host.dispose()
    await until(() => !alive(started[1]!), 5000, 'the unused process to end')
    expect(alive(started[0]!)).toBe(true)
  })

  it('a started process that died before it was taken is passed over', async () => {
    const { engine, started } = await setUp(1)
    process.kill(started[0]!, 'SIGKILL')
    await until(() => !alive(started[0]!), 5000, 'the started process to die')
    // Its exit must have been seen before the engine asks (the host hears it on this loop).
    await new Promise((resolve) => setTimeout(resolve, 50))
    const { jobIds } = await engine.submit({ jobs: [shellJob] })
    await engine.whenSettled(jobIds)
    expect(engine.getJob(jobIds[0]!)?.state).toBe('succeeded')
    expect(started).toHaveLength(2)
    expect(engine.workers().map((w) => w.pid)).toEqual([started[1]])
  })

  it('a process started with other options is not handed out', async () => {
    const { engine, started } = await setUp(1, { CORELANE_OTHER: '1' })
    const { jobIds } = await engine.submit({ jobs: [shellJob] })
    await engine.whenSettled(jobIds)
    expect(engine.getJob(jobIds[0]!)?.state).toBe('succeeded')
    expect(started).toHaveLength(2)
    expect(engine.workers().map((w) => w.pid)).toEqual([started[1]])
  })

  it('told to prepare for shell jobs, starts a shell server while it waits, and its first shell job runs there', async () => {
    const { engine, started } = await setUp(1, undefined, { t: 'prepare', shell: true })
    const worker = started[0]!
    // Before any job (the engine has not even sent its init): the worker's child, a shell.
    let server = 0
    await until(() => (server = shellChildren(worker)[0] ?? 0) > 0, 10_000, 'the shell server to start')
    const { jobIds } = await engine.submit({ jobs: [shellJob, shellJob] })
    await engine.whenSettled(jobIds)
    expect(jobIds.map((id) => engine.getJob(id)?.state)).toEqual(['succeeded', 'succeeded'])
    expect(engine.workers().map((w) => w.pid)).toEqual([worker])
    // The jobs ran on it: no second server was started.
    expect(shellChildren(worker)).toEqual([server])
  })

  it('not told, starts none before its first job', async () => {
    const { started } = await setUp(1)
    // Long enough for a worker to load and a shell to start (the test above waits for one).
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(alive(started[0]!)).toBe(true)
    expect(shellChildren(started[0]!)).toEqual([])
  })
})

/** The pids of `pid`'s children that run a shell (Linux /proc). */
function shellChildren(pid: number): number[] {
  const found: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid && (comm === 'bash' || comm === 'sh')) found.push(Number(name))
    } catch {
      // Gone meanwhile.
    }
  }
  return found
}
