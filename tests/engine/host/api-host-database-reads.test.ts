// The commands that read the job database for the window's History and job details:
// `historyBatches` (the batches it holds, newest first with their job counts, including those
// cleared from the engine) and `jobParams` (a job's params, which job views do not carry). On
// a real persistent engine (SQLite in its worker) and real workers.
import { describe, expect, it } from 'vitest'
import type { HistoryBatch } from '../../../src/shared/contract.ts'
import { createApiHost } from '../../../src/main/host/api-host.ts'
import { ok, usePersistentApi } from './persistent-api.ts'

const ctx = usePersistentApi('corelane-history-batches-', 2)

describe('historyBatches', () => {
  it('names every batch the database holds, cleared from the engine or not', async () => {
    const first = ok<{ batchId: number; jobIds: number[] }>(
      await ctx.api.handle('submit', { name: 'photos', template: { kind: 'noop', params: {} }, count: 3 }),
    )
    const second = ok<{ batchId: number; jobIds: number[] }>(
      await ctx.api.handle('submit', { name: 'reports', template: { kind: 'noop', params: {} }, count: 2 }),
    )
    await ctx.opened.engine.whenSettled([...first.jobIds, ...second.jobIds])
    ok(await ctx.api.handle('clearFinished', {}))
    await ctx.opened.engine.flushStore()
    // The engine no longer holds either batch; the database does.
    expect(ctx.opened.engine.batches()).toEqual([])
    const batches = ok<HistoryBatch[]>(await ctx.api.handle('historyBatches', {}))
    expect(batches.map(({ id, name, jobs }) => ({ id, name, jobs }))).toEqual([
      { id: second.batchId, name: 'reports', jobs: 2 },
      { id: first.batchId, name: 'photos', jobs: 3 },
    ])
    expect(ok<HistoryBatch[]>(await ctx.api.handle('historyBatches', { limit: 1 })).map((b) => b.name)).toEqual(['reports'])
    const bad = await ctx.api.handle('historyBatches', { limit: 0 })
    expect(bad.ok === false && bad.error.fields?.[0]?.field).toBe('limit')
  })

  it('answers not-found on a host without a job database', async () => {
    const bare = createApiHost(ctx.opened.engine, null, {})
    const answer = await bare.handle('historyBatches', {})
    bare.close()
    expect(answer.ok === false && answer.error.code).toBe('not-found')
  })
})

describe('jobParams', () => {
  it('answers a job’s params, right after its submit and after it was cleared', async () => {
    const { jobIds } = ok<{ jobIds: number[] }>(
      await ctx.api.handle('submit', { template: { kind: 'sum-squares', params: { n: '{}' } }, inputs: [12, 34] }),
    )
    // At once: the first write may not have gone out yet.
    expect(ok<{ params: unknown }>(await ctx.api.handle('jobParams', { id: jobIds[1]! })).params).toEqual({ n: 34 })
    await ctx.opened.engine.whenSettled(jobIds)
    ok(await ctx.api.handle('clearFinished', {}))
    expect(ok<{ params: unknown }>(await ctx.api.handle('jobParams', { id: jobIds[0]! })).params).toEqual({ n: 12 })
    const missing = await ctx.api.handle('jobParams', { id: 999_999 })
    expect(missing.ok === false && missing.error.code).toBe('not-found')
    const bad = await ctx.api.handle('jobParams', { id: -1 })
    expect(bad.ok === false && bad.error.fields?.[0]?.field).toBe('id')
  })
})
