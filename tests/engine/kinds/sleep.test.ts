// sleep: waits for real, cancels at once, and stays cheap enough for 100,000 at a time.
import { describe, expect, it } from 'vitest'
import { onAbortVia, type JobContext } from '../../../src/main/engine/kinds/context.ts'
import { sleep } from '../../../src/main/engine/kinds/sleep.ts'
import { cancelAfter, makeTestContext, withContext } from './test-context.ts'

describe('sleep', () => {
  it('waits about the time asked for', async () => {
    await withContext(async ({ ctx, progress }) => {
      const start = performance.now()
      const result = (await sleep({ ms: 60 }, ctx)) as { sleptMs: number }
      expect(performance.now() - start).toBeGreaterThanOrEqual(59)
      expect(result.sleptMs).toBeGreaterThanOrEqual(59)
      expect(result.sleptMs).toBeLessThan(1000)
      expect(progress).toHaveLength(0)
      expect(await sleep({ ms: 0 }, ctx)).toMatchObject({ sleptMs: expect.any(Number) })
    })
  })

  it('stops at once when cancelled, and reports progress on long sleeps', async () => {
    const t = await makeTestContext()
    try {
      const { reason, error, stopMs } = await cancelAfter(sleep({ ms: 60_000 }, t.ctx), t.controller, 1200)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(100)
      expect(t.progress).toHaveLength(1)
      expect(t.progress[0].fraction).toBeCloseTo(1 / 60, 2)
    } finally {
      await t.cleanup()
    }
  })

  it('runs 100,000 at once in one thread in about the sleep time', async () => {
    const ctxs: JobContext[] = []
    for (let i = 0; i < 100_000; i++) {
      const signal = new AbortController().signal
      ctxs.push({
        jobId: i,
        attempt: 1,
        executor: 'thread',
        signal,
        onAbort: onAbortVia(signal),
        outputPath: async (name) => name,
        progress: () => {},
        log: () => {},
        logOutput: () => undefined,
        logFile: async () => ({ path: '' }),
      })
    }
    const start = performance.now()
    const results = await Promise.all(ctxs.map((ctx) => sleep({ ms: 500 }, ctx)))
    const elapsed = performance.now() - start
    expect(results).toHaveLength(100_000)
    expect(elapsed).toBeGreaterThanOrEqual(499)
    // About 1 s alone on 2 cores (the sleeps overlap; one after another would take 14 hours);
    // the bound leaves room for the other test files sharing the machine.
    expect(elapsed).toBeLessThan(6000)
  })
})
