// Cancelling a whole batch on a real engine with real workers: its queued, running, retrying
// and pause-held jobs all end cancelled while another batch runs on, listeners hear of it, the
// batch takes no more jobs, and an unknown batch is a ValidationError naming batchId.
import { describe, expect, it } from 'vitest'
import type { BatchRow } from '../../src/main/engine/index.ts'
import { ValidationError } from '../../src/shared/validate.ts'
import { makeEngine, until } from './fixture.ts'

describe('cancelBatch', () => {
  it('cancels queued, running and retrying jobs of one batch and leaves the others running', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2, retryBackoffMs: 60_000 })
    const heard: number[] = []
    engine.onBatchCancelled((id) => heard.push(id))
    const target = await engine.submit({
      name: 'target',
      jobs: [
        { kind: 'sleep', params: { ms: 60_000 }, lane: 'cpu' },
        // Fails at once, then waits out a long backoff: retrying when the batch is cancelled.
        { kind: 'shell', params: { argv: ['false'] }, retries: 3 },
        ...Array.from({ length: 5 }, () => ({ kind: 'sleep', params: { ms: 60_000 }, lane: 'cpu' as const })),
      ],
    })
    const other = await engine.submit({ name: 'other', template: { kind: 'sleep', params: { ms: 20 } }, count: 3 })
    await until(() => engine.getJob(target.jobIds[0]!)!.state === 'running', 10_000, 'the long job to run')
    await until(() => engine.getJob(target.jobIds[1]!)!.state === 'retrying', 10_000, 'the failing job to retry')

    const started = Date.now()
    expect(engine.cancelBatch(target.batchId)).toBe(target.jobIds.length)
    expect(heard).toEqual([target.batchId])
    await engine.whenSettled(target.jobIds)
    // The 60 s sleeps were stopped, not waited out.
    expect(Date.now() - started).toBeLessThan(30_000)
    for (const id of target.jobIds) expect(engine.getJob(id)!.state).toBe('cancelled')
    await engine.whenSettled(other.jobIds)
    for (const id of other.jobIds) expect(engine.getJob(id)!.state).toBe('succeeded')
    expect(engine.batches().find((b) => b.id === target.batchId)).toMatchObject({ total: 7, counts: { cancelled: 7 } })

    // The cancelled batch takes no more jobs.
    const row: BatchRow = { id: target.batchId, name: 'target', source: null, createdAt: Date.now() }
    await expect(engine.appendToBatch(row, { jobs: [{ kind: 'sleep', params: { ms: 1 } }] })).rejects.toThrow(
      `batch ${target.batchId} was cancelled`,
    )
    expect(engine.cancelBatch(target.batchId)).toBe(0)
  }, 60_000)

  it('cancels the jobs a paused batch holds', async () => {
    const { engine } = await makeEngine({ paused: true })
    const { batchId, jobIds } = await engine.submit({ template: { kind: 'sleep', params: { ms: 5 } }, count: 4 })
    engine.setBatchPaused(batchId, true)
    engine.resume()
    // Let the balancer meet (and hold) the paused batch's jobs.
    await until(() => engine.listJobs({ batchId }).jobs.every((job) => job.state === 'queued'), 5000, 'the jobs to be held')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(engine.cancelBatch(batchId)).toBe(4)
    for (const id of jobIds) expect(engine.getJob(id)!.state).toBe('cancelled')
    expect(engine.stats().counts.queued).toBe(0)
    // Resuming the batch hands nothing back to run.
    engine.setBatchPaused(batchId, false)
    const after = await engine.submit({ template: { kind: 'sleep', params: { ms: 5 } }, count: 2 })
    await engine.whenSettled(after.jobIds)
    for (const id of jobIds) expect(engine.getJob(id)!.state).toBe('cancelled')
  })

  it('names batchId for an unknown batch', async () => {
    const { engine } = await makeEngine()
    let thrown: unknown
    try {
      engine.cancelBatch(77)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ValidationError)
    expect((thrown as ValidationError).problems).toEqual([{ field: 'batchId', message: 'no batch with id 77' }])
  })
})
