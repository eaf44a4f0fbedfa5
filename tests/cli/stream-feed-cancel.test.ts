// Cancelling a streamed batch (engine.cancelBatch, what the window's batch Cancel sends) while
// the CLI's StreamFeed feeds it, on a real engine with real workers: the feed stops reading its
// input (a long one, or one waiting on its next line as a quiet pipe does), its run ends, and
// the batch's view counts every job that was fed, finished ones cleared from memory included.
import { describe, expect, it } from 'vitest'
import { StreamFeed } from '../../src/cli/stream-feed.ts'
import { streamSubmission } from '../../src/main/engine/submission.ts'
import { makeEngine, until } from '../engine/fixture.ts'

const INPUTS = 100_000
const WINDOW = 20

describe('StreamFeed and cancelBatch', () => {
  it('stops reading a long input once its batch is cancelled', async () => {
    const { engine } = await makeEngine()
    let read = 0
    async function* inputs(): AsyncGenerator<number> {
      for (let i = 0; i < INPUTS; i++) {
        read++
        yield i
      }
    }
    const feed = new StreamFeed(engine, { name: 'long', window: WINDOW })
    const running = feed.run(streamSubmission({ template: { kind: 'sleep', params: { ms: 10 } }, inputs: inputs() }))
    // Several windows in, so finished jobs have been cleared from memory along the way.
    await until(() => feed.progress.settled >= WINDOW * 3, 30_000, 'three windows of jobs to finish')
    const batchId = feed.batchId!
    engine.cancelBatch(batchId)
    const readAtCancel = read
    await running
    expect(feed.progress.cancelled).toBe(true)
    // At most the chunk being read when it came, never the rest of the input.
    expect(read - readAtCancel).toBeLessThanOrEqual(WINDOW)
    expect(read).toBeLessThan(INPUTS / 10)
    const view = engine.batches().find((b) => b.id === batchId)!
    expect(view.total).toBe(feed.progress.submitted)
    expect(view.counts.succeeded + view.counts.cancelled).toBe(view.total)
    expect(view.counts.cancelled).toBeGreaterThan(0)
    expect(view.counts.succeeded).toBeGreaterThanOrEqual(WINDOW * 3)
  }, 60_000)

  it('stops waiting on an input that has nothing more to say', async () => {
    const { engine } = await makeEngine()
    let release: () => void = () => {}
    async function* quiet(): AsyncGenerator<number> {
      yield 1
      yield 2
      // A pipe whose writer has gone quiet: the next line never comes during the test.
      await new Promise<void>((resolve) => (release = resolve))
      yield 3
    }
    const feed = new StreamFeed(engine, { name: 'quiet', window: WINDOW, idleFlushMs: 10 })
    const running = feed.run(streamSubmission({ template: { kind: 'sleep', params: { ms: 5 } }, inputs: quiet() }))
    await until(() => feed.progress.settled === 2, 10_000, 'the two inputs read to run')
    engine.cancelBatch(feed.batchId!)
    await running
    expect(feed.progress).toMatchObject({ cancelled: true, submitted: 2, settled: 2 })
    release()
  }, 30_000)
})
