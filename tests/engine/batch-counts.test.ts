// A batch fed in chunks whose finished jobs leave memory (as a streamed batch's feeder does)
// keeps counting them: on a real engine with real workers, its view's total and succeeded
// cover every job, while the user's "Clear finished" still makes the batch forget its
// finished jobs (and drops it once nothing of it is left).
import { describe, expect, it } from 'vitest'
import type { BatchRow } from '../../src/main/engine/index.ts'
import { makeEngine } from './fixture.ts'

const CHUNK = 8
const CHUNKS = 4

describe('batch counts of jobs that left memory', () => {
  it('counts every job of a chunked batch after its finished jobs are cleared for memory', async () => {
    const { engine } = await makeEngine()
    const job = { kind: 'sleep', params: { ms: 5 } }
    const first = await engine.submit({ name: 'chunked', jobs: Array.from({ length: CHUNK }, () => job) })
    const row: BatchRow = { id: first.batchId, name: 'chunked', source: null, createdAt: Date.now() }
    await engine.whenSettled(first.jobIds)
    for (let i = 1; i < CHUNKS; i++) {
      expect(engine.clearFinished({ keepBatchCounts: true })).toBe(CHUNK)
      const more = await engine.appendToBatch(row, { jobs: Array.from({ length: CHUNK }, () => job) })
      await engine.whenSettled(more.jobIds)
    }
    engine.clearFinished({ keepBatchCounts: true })
    // Nothing of the batch is held any more, yet its view covers all of it.
    expect(engine.listJobs({ batchId: first.batchId }).total).toBe(0)
    const view = engine.batches().find((b) => b.id === first.batchId)
    expect(view).toMatchObject({ total: CHUNK * CHUNKS, counts: { succeeded: CHUNK * CHUNKS, queued: 0 }, etaMs: 0 })
    expect(view!.endedAt).not.toBeNull()

    // The user's Clear finished: the batch forgets its finished jobs and, empty, goes.
    engine.clearFinished()
    expect(engine.batches().find((b) => b.id === first.batchId)).toBeUndefined()
  })

  it("keeps the unfinished part of a batch after the user's Clear finished", async () => {
    const { engine } = await makeEngine({ paused: true })
    const { batchId, jobIds } = await engine.submit({ template: { kind: 'sleep', params: { ms: 5 } }, count: 6 })
    expect(engine.cancel(jobIds.slice(0, 2))).toBe(2)
    expect(engine.clearFinished()).toBe(2)
    expect(engine.batches().find((b) => b.id === batchId)).toMatchObject({ total: 4, counts: { queued: 4, cancelled: 0 } })
  })
})
