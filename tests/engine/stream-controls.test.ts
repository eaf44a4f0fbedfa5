// Batch controls on a batch the engine pulls from a stream (submitStream), on a real engine
// with real workers and windows far smaller than the streams: a halt stops the reading and
// counts a percentage of the batch's known total (not of what was read so far); a delay spaces
// the starts; keep-order's window counts from the oldest unsettled input, so a slow first
// job holds the reading back; `after` names earlier jobs of the stream (released when they
// succeed, ended as dependency-failed when they do not), and a name not read yet is refused
// naming the field, after the jobs before it have run.
import { describe, expect, it } from 'vitest'
import { parseHalt, type HaltRule } from '../../src/shared/halt.ts'
import type { ValidJobSpec } from '../../src/shared/schemas.ts'
import { ValidationError } from '../../src/shared/validate.ts'
import { watchHalt } from '../../src/main/engine/halt-control.ts'
import { streamSubmission, type IndexedSpec } from '../../src/main/engine/submission.ts'
import { makeEngine, until } from './fixture.ts'

const rule = (text: string) => parseHalt(text) as HaltRule

/** Sleeps of `ms(i)` for input i, timing out (a failure, for a halt) past 1 s: FAIL sleeps that long, others 1 ms. */
const FAIL = 5000
function sleeps(count: number, ms: (i: number) => number) {
  return streamSubmission({
    template: { kind: 'sleep', params: {}, timeoutMs: 1000 },
    inputs: (function* () {
      for (let i = 0; i < count; i++) yield { ms: ms(i) }
    })(),
  })
}

/** Specs given directly (the engine's API takes any checked specs, not only a template's). */
async function* specs(list: Record<string, unknown>[]): AsyncGenerator<IndexedSpec> {
  let index = 0
  for (const spec of list) yield { index: index++, spec: { params: {}, ...spec } as unknown as ValidJobSpec }
}

describe('a streamed batch with batch controls', () => {
  it('halt now,fail=1 stops the reading and cancels the rest', async () => {
    const { engine } = await makeEngine()
    const stream = engine.submitStream({
      name: 'halt',
      window: 20,
      total: 100_000,
      specs: sleeps(100_000, (i) => (i === 60 ? FAIL : 1)),
    })
    let readAtHalt = -1
    const watch = watchHalt(
      engine,
      { batchId: stream.batchId, total: () => 100_000, stopReading: () => stream.stop() },
      rule('now,fail=1'),
      () => (readAtHalt = stream.progress.read),
    )
    await stream.done
    watch.stop()
    expect(watch.outcome?.tally.failed).toBe(1)
    expect(stream.progress.exhausted).toBe(false)
    // Nothing was read after the halt (the fast jobs kept it reading until the timeout).
    expect(readAtHalt).toBeGreaterThan(60)
    expect(stream.progress.read).toBe(readAtHalt)
    expect(stream.progress.read).toBeLessThan(100_000)
    const view = engine.batches().find((b) => b.id === stream.batchId)!
    expect(view.counts['timed-out']).toBe(1)
    expect(view.counts.succeeded + view.counts['timed-out'] + view.counts.cancelled).toBe(stream.progress.read)
    expect(view.total).toBe(100_000) // the known total, as the window's progress shows it
  }, 60_000)

  it('a halt percentage is of the known total, not of the jobs read so far', async () => {
    const { engine } = await makeEngine()
    // The first 10 inputs fail. In order (keep-order's window) at most 20 are read until they
    // end: 5% of the known 200 is 10, but 5% of the 20 read then would be 1.
    const stream = engine.submitStream({
      name: 'pct',
      window: 20,
      ordered: true,
      total: 200,
      specs: sleeps(200, (i) => (i < 10 ? FAIL : 1)),
    })
    const watch = watchHalt(
      engine,
      { batchId: stream.batchId, total: () => 200, stopReading: () => stream.stop() },
      rule('soon,fail=5%'),
    )
    await stream.done
    watch.stop()
    expect(watch.outcome?.tally).toMatchObject({ failed: 10, total: 200 })
  }, 60_000)

  it('a delay spaces the starts of a streamed batch', async () => {
    const { engine } = await makeEngine()
    const stream = engine.submitStream({ name: 'delay', window: 4, delay: 60, specs: sleeps(8, () => 1) })
    await stream.done
    const started = engine
      .listJobs({ batchId: stream.batchId, limit: 100 })
      .jobs.map((job) => job.startedAt!)
      .sort((a, b) => a - b)
    // Finished jobs left memory along the way; those still held are spaced (a generous ratio).
    for (let i = 1; i < started.length; i++) expect(started[i]! - started[i - 1]!).toBeGreaterThanOrEqual(60 * 0.8)
    const view = engine.batches().find((b) => b.id === stream.batchId)!
    expect(view.counts.succeeded).toBe(8)
  }, 30_000)

  it('keep-order holds the reading at a window past the oldest unsettled input', async () => {
    const { engine } = await makeEngine({ cpuSlots: 4, ioConcurrency: 4 })
    const slowFirst = (ordered: boolean) =>
      engine.submitStream({
        name: ordered ? 'ordered' : 'unordered',
        window: 10,
        ordered,
        specs: streamSubmission({
          template: { kind: 'sleep', params: {} },
          inputs: (function* () {
            for (let i = 0; i < 400; i++) yield { ms: i === 0 ? 800 : 1 }
          })(),
        }),
      })
    const ordered = slowFirst(true)
    await new Promise((resolve) => setTimeout(resolve, 400))
    // Input 0 is still running: at most the window was read.
    expect(ordered.progress.read).toBeLessThanOrEqual(10)
    await ordered.done
    const unordered = slowFirst(false)
    await until(() => unordered.progress.read > 100, 20_000, 'an unordered stream to read past the slow job')
    await unordered.done
  }, 60_000)

  it('after: jobs wait for earlier ones of the stream by name, and a failure stops what waits for it', async () => {
    const { engine } = await makeEngine()
    const list = []
    for (let i = 0; i < 30; i++) {
      list.push({ name: `fetch ${i}`, kind: 'sleep', params: { ms: i === 7 ? FAIL : 5 }, timeoutMs: 1000 })
      list.push({ name: `parse ${i}`, kind: 'noop', after: [`fetch ${i}`] })
    }
    const stream = engine.submitStream({ name: 'pipeline', window: 8, dependencies: true, specs: specs(list) })
    const ended = new Map<string, { state: string; startedAt: number | null; endedAt: number | null; error?: string }>()
    engine.onJobSettled((job) =>
      ended.set(job.name, { state: job.state, startedAt: job.startedAt, endedAt: job.endedAt, error: job.error?.message }),
    )
    await stream.done
    for (let i = 0; i < 30; i++) {
      const parse = ended.get(`parse ${i}`)!
      if (i === 7) {
        expect(ended.get('fetch 7')!.state).toBe('timed-out')
        expect(parse).toMatchObject({
          state: 'cancelled',
          startedAt: null,
          error: 'not run: it waits for "fetch 7", which timed out',
        })
      } else {
        expect(parse.state).toBe('succeeded')
        expect(parse.startedAt!).toBeGreaterThanOrEqual(ended.get(`fetch ${i}`)!.endedAt!)
      }
    }
  }, 60_000)

  it('refuses a name not read yet (a forward reference) naming the field, after the jobs before it ran', async () => {
    const { engine } = await makeEngine()
    const stream = engine.submitStream({
      name: 'forward',
      window: 8,
      dependencies: true,
      inputField: (i) => `inputs[${i}]`,
      specs: specs([
        { name: 'a', kind: 'noop' },
        { name: 'b', kind: 'noop', after: ['a'] },
        { name: 'c', kind: 'noop', after: ['d'] },
        { name: 'd', kind: 'noop' },
      ]),
    })
    const error = await stream.done.then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).problems[0]).toMatchObject({ field: 'inputs[2].after[0]' })
    expect((error as ValidationError).problems[0]!.message).toContain('no job named "d" before it')
    const view = engine.batches().find((b) => b.id === stream.batchId)!
    expect(view.counts.succeeded).toBe(2)
  }, 30_000)
})
