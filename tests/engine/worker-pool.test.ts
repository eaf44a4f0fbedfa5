// The pool on its own, with real worker threads and processes but no engine around it: it
// starts workers, hands them jobs, counts what each holds through its ExecutorLoad, takes jobs
// back, retires workers beyond the CPU slots, and hands back what a killed worker held.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineLimits } from '../../src/shared/job.ts'
import { KindCosts } from '../../src/main/engine/balancer.ts'
import { CommandGroups } from '../../src/main/engine/command-groups.ts'
import type { Executor, ExecutorExit } from '../../src/main/engine/executors/executor.ts'
import { localWorkerSetup, WorkerPool } from '../../src/main/engine/executors/worker-pool.ts'
import { JobRecord } from '../../src/main/engine/job-record.ts'
import { readEvents } from '../../src/main/engine/worker/protocol.ts'
import { until } from './fixture.ts'

const open: { pool: WorkerPool; dir: string }[] = []
afterEach(async () => {
  for (const { pool, dir } of open.splice(0)) {
    await pool.closeAll()
    await rm(dir, { recursive: true, force: true })
  }
})

async function makePool(limits: EngineLimits = { cpuSlots: 2, ioConcurrency: 100, pinning: false }) {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-pool-'))
  const done: number[] = []
  const exits: [Executor, ExecutorExit][] = []
  let current = limits
  const noop = () => undefined
  const pool = new WorkerPool(
    {
      ...localWorkerSetup({ dataDir: dir, compileCacheDir: null }),
      cores: 2,
      costs: new KindCosts(),
      limits: () => current,
      groups: new CommandGroups(null),
      changed: noop,
    },
    {
      onHello: noop,
      onEvents: (executor, events) =>
        readEvents(events, 0, {
          started: () => executor.load.started(),
          done: (id) => {
            done.push(id as number)
            executor.load.finished()
          },
          failed: noop,
          progress: noop,
          dropped: noop,
          lateError: noop,
          command: noop,
          commandEnded: noop,
        }),
      onExit: (executor, exit) => exits.push([executor, exit]),
    },
  )
  open.push({ pool, dir })
  return { pool, done, exits, setLimits: (next: EngineLimits) => (current = next) }
}

let nextId = 1
const noopJob = (executor: 'thread' | 'process' = 'thread') =>
  JobRecord.fromSpec({ kind: 'noop', params: {}, executor }, nextId++, 1, nextId, 0)

describe('worker pool', () => {
  for (const executor of ['thread', 'process'] as const) {
    it(`starts a ${executor} worker, hands it jobs and counts them until they are released`, async () => {
      const { pool, done } = await makePool()
      const worker = pool.spawn(executor, 'cpu', 0)
      const jobs = [noopJob(executor), noopJob(executor), noopJob(executor)]
      expect(pool.assign(worker, jobs)).toBeNull()
      expect(worker.load.size).toBe(3)
      expect(pool.busyCpu).toBe(1)
      expect(jobs.every((job) => job.workerId === worker.id)).toBe(true)
      await until(() => done.length === 3, 10_000, 'three jobs done')
      for (const job of jobs) pool.release(worker, job)
      expect(worker.load.size).toBe(0)
      expect(worker.load.jobsDone).toBe(3)
      expect(pool.busyCpu).toBe(0)
      expect(jobs.every((job) => job.workerId === 0)).toBe(true)
      expect(worker.state).toBe('idle')
    })
  }

  it('retires an idle worker beyond the CPU slots when the limit drops', async () => {
    const { pool, setLimits } = await makePool()
    const workers = [pool.spawn('thread', 'cpu', 0), pool.spawn('thread', 'cpu', 0)]
    await until(() => workers.every((w) => w.state === 'idle'), 10_000, 'workers up')
    setLimits({ cpuSlots: 1, ioConcurrency: 100, pinning: false })
    pool.applyLimits(false)
    // One leaves; the other is within the limit and stays.
    expect(workers.map((w) => w.state)).toEqual(['stopping', 'idle'])
  })

  it('retires a worker dedicated to one job (memory ceiling) once that job is released', async () => {
    const { pool, done } = await makePool()
    const worker = pool.spawn('thread', 'cpu', 64)
    const job = noopJob()
    pool.assign(worker, [job])
    await until(() => done.length === 1, 10_000, 'the job done')
    pool.release(worker, job)
    expect(worker.state).toBe('stopping')
  })

  it('hands back what a killed worker held, and which job forced its end', async () => {
    const { pool, exits } = await makePool()
    const worker = pool.spawn('thread', 'cpu', 0)
    const spin = JobRecord.fromSpec({ kind: 'sum-squares', params: { n: 5e9 } }, nextId++, 1, nextId, 0)
    const waiting = noopJob()
    pool.assign(worker, [spin, waiting])
    pool.force(worker, spin.id)
    await until(() => exits.length === 1, 10_000, 'the worker gone')
    const { jobs, forcedBy } = pool.remove(worker)
    expect(jobs).toEqual([spin, waiting])
    expect(forcedBy).toBe(spin.id)
    expect(pool.get(worker.id)).toBeUndefined()
    expect(pool.busyCpu).toBe(0)
  })
})
