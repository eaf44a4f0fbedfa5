// Cancelling a streamed batch (engine.cancelBatch, what the window's batch Cancel sends) while
// the engine pulls it (submitStream), on a real engine with real workers: the engine stops
// reading its input (a long one, or one waiting on its next line as a quiet pipe does), the
// stream's done resolves, and the batch's view counts every job that was read, finished ones
// cleared from memory included.
import { describe, expect, it } from 'vitest'
import { streamSubmission } from '../../src/main/engine/submission.ts'
import { makeEngine, until } from './fixture.ts'

const INPUTS = 100_000
const WINDOW = 20

describe('submitStream and cancelBatch', () => {
  it('stops reading a long input once its batch is cancelled', async () => {
    const { engine } = await makeEngine()
    let read = 0
    async function* inputs(): AsyncGenerator<number> {
      for (let i = 0; i < INPUTS; i++) {
        read++
        yield i
      }
    }
    const stream = engine.submitStream({
      name: 'long',
      window: WINDOW,
      specs: streamSubmission({ template: { kind: 'sleep', params: { ms: 10 } }, inputs: inputs() }),
    })
    const { batchId } = stream
    const succeeded = () => engine.batches().find((b) => b.id === batchId)!.counts.succeeded
    // Several windows in, so finished jobs have been cleared from memory along the way.
    await until(() => succeeded() >= WINDOW * 3, 30_000, 'three windows of jobs to finish')
    engine.cancelBatch(batchId)
    const readAtCancel = read
    await stream.done
    expect(stream.progress).toMatchObject({ cancelled: true, inputEnded: true, exhausted: false })
    // At most the input being read when it came (the generator may be one ahead), never the rest.
    expect(read - readAtCancel).toBeLessThanOrEqual(1)
    expect(read).toBeLessThan(INPUTS / 10)
    const view = engine.batches().find((b) => b.id === batchId)!
    expect(view.total).toBe(stream.progress.read)
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
    const stream = engine.submitStream({
      name: 'quiet',
      window: WINDOW,
      specs: streamSubmission({ template: { kind: 'sleep', params: { ms: 5 } }, inputs: quiet() }),
    })
    // The two inputs read run before the input ends: a slow pipe never delays what it has said.
    await until(
      () => engine.batches().find((b) => b.id === stream.batchId)!.counts.succeeded === 2,
      10_000,
      'the two inputs read to run',
    )
    engine.cancelBatch(stream.batchId)
    await stream.done
    expect(stream.progress).toMatchObject({ cancelled: true, read: 2 })
    release()
  }, 30_000)

  it('stops reading when the engine closes, and its done resolves', async () => {
    const { engine } = await makeEngine()
    let read = 0
    async function* endless(): AsyncGenerator<number> {
      for (;;) {
        read++
        yield read
      }
    }
    const stream = engine.submitStream({
      name: 'endless',
      window: WINDOW,
      specs: streamSubmission({ template: { kind: 'sleep', params: { ms: 5 } }, inputs: endless() }),
    })
    await until(() => stream.progress.read > WINDOW * 2, 10_000, 'the stream to be read')
    await engine.close()
    await stream.done
    const readAtClose = read
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(read).toBe(readAtClose)
    expect(stream.progress).toMatchObject({ inputEnded: true, exhausted: false })
  }, 30_000)
})
