// A submit from the window (IPC or WebSocket) with its batch controls: the engine queues the
// jobs, and the controls that live above it are attached to the new batch (today: halt). A
// template over a `range`, or a `count` of more than one stream window, is not expanded: the
// engine pulls it (engine.submitStream), so a count of millions runs in the memory of a
// window's jobs, as `corelane run` runs it. One mechanism for both.
import type { CommandInput, SubmitResult } from '../../shared/contract.ts'
import { parseHalt } from '../../shared/halt.ts'
import { rangeLength } from '../../shared/schemas.ts'
import { ValidationError } from '../../shared/validate.ts'
import { watchHalt } from '../engine/halt-control.ts'
import type { Engine } from '../engine/index.ts'
import { DEFAULT_WINDOW } from '../engine/stream-intake.ts'
import { rangeInputs, streamSubmission } from '../engine/submission.ts'

export async function submitWithControls(engine: Engine, input: CommandInput<'submit'>): Promise<SubmitResult> {
  const { halt, range: given, ...request } = input
  const range = given && { from: given.from ?? 0, to: given.to, step: given.step ?? 1 }
  const rule = halt === undefined ? null : parseHalt(halt)
  const length = range ? rangeLength(range) : (request.count ?? 0)
  if (request.template !== undefined && (range || length > DEFAULT_WINDOW)) {
    if (range && (request.inputs !== undefined || request.count !== undefined)) {
      throw new ValidationError([{ field: 'range', message: 'give only one of `inputs`, `range` or `count`' }])
    }
    const { template, defaults, count, name, delay, maxLoad, memFree } = request
    const after = Boolean(template.after?.length || defaults?.after?.length)
    // The template itself is checked before the batch exists: a bad one is refused, not a stopped stream.
    const specs = streamSubmission({ template, defaults, count, inputs: range ? rangeInputs(range, 'range') : undefined })
    const first = await specs.next()
    if (first.done) throw new ValidationError([{ field: 'template', message: 'expands to no jobs' }])
    const stream = engine.submitStream({
      name: name ?? `${length} × ${template.kind}`,
      total: length,
      dependencies: after,
      inputField: (i) => (range ? `range[${i}]` : 'template'),
      specs: (async function* () {
        yield first.value
        yield* specs
      })(),
      delay,
      maxLoad,
      memFree,
    })
    // A bad input later is the stream's error: the jobs before it ran, the rest are not read.
    stream.done.catch(() => {})
    if (rule && !('error' in rule)) {
      const watch = watchHalt(engine, { batchId: stream.batchId, total: () => length, stopReading: () => stream.stop() }, rule)
      void stream.done.finally(() => watch.stop()).catch(() => {})
    }
    return { batchId: stream.batchId, jobIds: [], streamed: length }
  }
  const result = await engine.submit(request)
  // The schema has refused rules parseHalt cannot read, so an error here cannot happen.
  if (rule && !('error' in rule)) {
    const watch = watchHalt(engine, result.jobIds, rule)
    void engine.whenSettled(result.jobIds).then(() => watch.stop())
  }
  return result
}
