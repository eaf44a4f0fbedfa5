// Worker processes started before the engine asks for one (what `corelane run` does while
// its data folder opens): a real engine on real worker processes takes the started one
// instead of starting another, never takes one that died meanwhile or was started for other
// options, and `dispose` ends the ones nobody took.
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

async function setUp(count: number, env?: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'corelane-prestart-'))
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }))
  const setup = localWorkerSetup({ dataDir })
  const counting = countingHost()
  const host = prestartProcesses(counting, setup.entries.process, { execArgv: [], env: env ?? setup.env }, count)
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
})
