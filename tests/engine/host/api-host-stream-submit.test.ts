// A submit from the window or web mode that the host streams (a template over a `range`, or a
// count of more than a window), through the API host on a real persistent engine: it answers
// with the batch and its length (no job ids), the batch's view counts that length from the
// start, `results` are written for every job as it ends, a halt stops the reading, and a dry
// run of a range of millions answers its total and its first jobs without expanding it.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DRY_RUN_LIST_MAX, type DryRunResult, type SubmitResult } from '../../../src/shared/contract.ts'
import { ok, usePersistentApi } from './persistent-api.ts'

const ctx = usePersistentApi('corelane-api-stream-', 2)

async function eventually(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const view = (batchId: number) => ctx.opened.engine.batches().find((b) => b.id === batchId)!

describe('a streamed submit from the window', () => {
  it('streams a range, with its results written for every job', async () => {
    const results = join(ctx.dir, 'results')
    const submitted = ok<SubmitResult>(
      await ctx.api.handle('submit', {
        name: 'echo a range',
        template: { kind: 'shell', params: { argv: ['echo', 'value {}'] } },
        range: { from: 10, to: 40 },
        results,
      }),
    )
    expect(submitted).toMatchObject({ jobIds: [], streamed: 30 })
    expect(view(submitted.batchId).total).toBe(30)
    await eventually('the range to run', () => view(submitted.batchId).counts.succeeded === 30)
    for (const value of [10, 25, 39]) {
      const folder = join(results, '1', String(value))
      // Written as each job ends: the files may land just after the batch's count.
      await eventually(`results of ${value}`, () => existsSync(join(folder, 'seq')))
      expect(await readFile(join(folder, 'stdout'), 'utf8')).toBe(`value ${value}\n`)
      expect(Number(await readFile(join(folder, 'seq'), 'utf8'))).toBe(value - 10 + 1)
    }
  })

  it('halts a streamed count by its rule and stops reading it', async () => {
    const submitted = ok<SubmitResult>(
      await ctx.api.handle('submit', {
        halt: 'now,done=50',
        template: { kind: 'noop', params: {} },
        count: 1_000_000,
      }),
    )
    expect(submitted.streamed).toBe(1_000_000)
    await eventually('the halt', () => {
      const v = view(submitted.batchId)
      return v.counts.queued + v.counts.running + v.counts.retrying === 0 && v.counts.succeeded >= 50
    })
    const v = view(submitted.batchId)
    // The known length stays its total; far fewer than it were read before the halt stopped it.
    expect(v.total).toBe(1_000_000)
    expect(v.counts.succeeded + v.counts.cancelled).toBeLessThan(100_000)
  })

  it('leaves other batches’ finished jobs in memory while it clears its own', async () => {
    const small = ok<SubmitResult>(
      await ctx.api.handle('submit', {
        jobs: [
          { kind: 'noop', params: {} },
          { kind: 'noop', params: {} },
        ],
      }),
    )
    await ctx.opened.engine.whenSettled(small.jobIds)
    const stream = ok<SubmitResult>(await ctx.api.handle('submit', { template: { kind: 'noop', params: {} }, count: 30_000 }))
    await eventually('the stream to run', () => view(stream.batchId).counts.succeeded === 30_000, 120_000)
    // Several half-windows were cleared on the way: only the stream's own finished jobs left.
    expect(ctx.opened.engine.listJobs({ batchId: stream.batchId, limit: 100_000 }).total).toBeLessThan(30_000)
    expect(small.jobIds.map((id) => ctx.opened.engine.getJob(id)?.state)).toEqual(['succeeded', 'succeeded'])
  }, 150_000)

  it('dry-runs a range of millions without expanding it', async () => {
    const dry = ok<DryRunResult>(
      await ctx.api.handle('dryRun', { template: { name: 'n {}', kind: 'noop', params: {} }, range: { to: 3_000_000 } }),
    )
    expect(dry.total).toBe(3_000_000)
    expect(dry.jobs.length).toBe(DRY_RUN_LIST_MAX)
    expect(dry.jobs[0]).toMatchObject({ seq: 1, name: 'n 0' })
  })

  it('refuses a range beside a count, naming the field', async () => {
    const response = await ctx.api.handle('submit', { template: { kind: 'noop', params: {} }, range: { to: 5 }, count: 3 })
    expect(response.ok).toBe(false)
    if (!response.ok) expect(response.error.message).toContain('range')
  })
})
