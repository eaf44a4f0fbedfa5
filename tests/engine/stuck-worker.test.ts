// A worker that takes a job and never reports it (started, done or dropped): the job still
// ends, by its timeout or its cancel, and the worker is replaced.
import { describe, expect, it } from 'vitest'
import { makeEngine } from './fixture.ts'

const silent = new URL('./fixtures/silent-worker.ts', import.meta.url)

describe('a worker that never reports', () => {
  it('times out a job handed to it after timeoutMs + grace, counting the attempt', async () => {
    const { engine } = await makeEngine({ workerEntries: { thread: silent }, graceMs: 200 })
    const t0 = Date.now()
    const job = await engine.run({ kind: 'noop', params: {}, executor: 'thread', timeoutMs: 200 })
    expect(job).toMatchObject({ state: 'timed-out', attempts: 1, error: { code: 'timeout' } })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380)
    expect(engine.workers().every((w) => w.running === 0)).toBe(true)
  })

  it('watches a job again when it is handed to another worker after its first one died', async () => {
    const { engine } = await makeEngine({ workerEntries: { thread: silent }, graceMs: 200, cpuSlots: 1 })
    const { jobIds } = await engine.submit({ jobs: [{ kind: 'noop', params: {}, executor: 'thread', timeoutMs: 200 }] })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const first = engine.getJob(jobIds[0]!)!.workerId!
    expect(engine.killWorker(first)).toBe(true)
    await engine.whenSettled(jobIds)
    const job = engine.getJob(jobIds[0]!)!
    expect(job).toMatchObject({ state: 'timed-out', attempts: 1 })
    expect(job.workerId).not.toBe(first)
  })

  it('cancels a job handed to it once the grace period passes without an answer', async () => {
    const { engine } = await makeEngine({ workerEntries: { thread: silent }, graceMs: 200 })
    const { jobIds } = await engine.submit({ jobs: [{ kind: 'noop', params: {}, executor: 'thread' }] })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(engine.getJob(jobIds[0]!)).toMatchObject({ state: 'queued' })
    engine.cancel(jobIds)
    await engine.whenSettled(jobIds)
    expect(engine.getJob(jobIds[0]!)).toMatchObject({ state: 'cancelled' })
  })

  it('does not count a job waiting behind a long one on the same worker as stuck', async () => {
    // Real workers this time: a long job and a short one with a timeout share one message, so
    // the short one waits in the worker behind the long one, longer than its watchdog.
    const { engine } = await makeEngine({ cpuSlots: 1, graceMs: 200 })
    await engine.submit({ template: { kind: 'sum-squares', params: { n: 10 } }, count: 20 })
    await engine.whenSettled()
    const { jobIds } = await engine.submit({
      jobs: [
        { kind: 'sum-squares', params: { n: 1_000_000_000 } },
        { kind: 'sum-squares', params: { n: 10 }, timeoutMs: 100 },
      ],
    })
    await engine.whenSettled(jobIds)
    const [long, short] = jobIds.map((id) => engine.getJob(id)!)
    expect(long).toMatchObject({ state: 'succeeded', attempts: 1 })
    expect(short).toMatchObject({ state: 'succeeded', attempts: 1, result: { sum: '285' } })
    expect(long!.endedAt! - long!.startedAt!).toBeGreaterThan(300) // longer than the short job's watchdog
    expect(short!.workerId).toBe(long!.workerId)
  })
})
