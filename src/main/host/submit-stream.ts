// A submit from the window or web mode of a template over a `range`, or a `count` of more than
// one stream window: not expanded, but pulled by the engine (engine.submitStream), so a count of
// millions runs in the memory of a window's jobs, as `corelane run` runs it (one mechanism for
// both). A batch file's `inputs.lines` opened by the desktop app comes the same way (the API
// host's submitLines), read line by line as the engine pulls it, its length known only at its
// end. Its halt watches the batch by id with its known length (for lines, the jobs read so far);
// its --results (and a batch file's joblog) are planned job by job as they are read and
// forgotten once written.
import type { CommandInput, SubmitResult } from '../../shared/contract.ts'
import type { HaltRule } from '../../shared/halt.ts'
import { rangeLength } from '../../shared/schemas.ts'
import { ValidationError } from '../../shared/validate.ts'
import { watchHalt } from '../engine/halt-control.ts'
import type { Engine } from '../engine/index.ts'
import { DEFAULT_WINDOW } from '../engine/stream-intake.ts'
import { rangeInputs, streamSubmission, type IndexedSpec } from '../engine/submission.ts'
import type { PlannedJob } from './job-plan.ts'
import type { LineInputs } from './line-inputs.ts'
import type { JobFiles } from './job-files.ts'

type Request = Omit<CommandInput<'submit'>, 'halt' | 'results' | 'range'>
type Range = CommandInput<'submit'>['range']

/** Whether the host streams this submit: a template over a range, or a count past one window. */
export function isStreamed(request: Request, range: Range): boolean {
  return request.template !== undefined && (range !== undefined || (request.count ?? 0) > DEFAULT_WINDOW)
}

/** A streamed submit's specs, read lazily, and how many jobs it will hold (null: a file of lines, known at its end). */
export interface StreamedSpecs {
  specs: AsyncGenerator<IndexedSpec>
  length: number | null
  /** How an error names input `index`. */
  inputField: (index: number) => string
}

/** The specs of a range or a long count; a range beside inputs or a count is refused. */
export function streamedSpecs(request: Request, given: Range): StreamedSpecs & { length: number } {
  if (given && (request.inputs !== undefined || request.count !== undefined)) {
    throw new ValidationError([{ field: 'range', message: 'give only one of `inputs`, `range` or `count`' }])
  }
  const range = given && { from: given.from ?? 0, to: given.to, step: given.step ?? 1 }
  const { template, defaults, count } = request
  const specs = streamSubmission({ template, defaults, count, inputs: range ? rangeInputs(range, 'range') : undefined })
  return { specs, length: range ? rangeLength(range) : count!, inputField: (i) => (range ? `range[${i}]` : 'template') }
}

/** The specs of a template over the lines of a file the host opened itself (nothing is read until the engine pulls). */
export function lineSpecs(request: Pick<Request, 'template' | 'defaults'>, lines: LineInputs): StreamedSpecs {
  const specs = streamSubmission({
    template: request.template,
    defaults: request.defaults,
    inputs: lines.inputs,
    inputField: lines.field,
  })
  return { specs, length: null, inputField: lines.field }
}

/** A streamed batch under way: the answer to its submit, and the end of its reading and running. */
export interface StreamedSubmit {
  result: SubmitResult
  /** Settles once every job of the batch has; rejects with a bad input's ValidationError (the jobs before it ran). */
  done: Promise<void>
}

export async function submitStreamed(
  engine: Engine,
  request: Request,
  source: StreamedSpecs,
  rule: HaltRule | null,
  files: JobFiles | null,
): Promise<StreamedSubmit> {
  const { specs, length, inputField } = source
  const { template, defaults, name, delay, maxLoad, memFree } = request
  // The template itself is checked before the batch exists: a bad one is refused, not a stopped stream.
  const first = await specs.next()
  if (first.done) throw new ValidationError([{ field: 'template', message: 'expands to no jobs' }])
  const plan = new Map<number, PlannedJob>()
  const stream = engine.submitStream({
    name: name ?? (length === null ? `${template!.kind} over lines` : `${length} × ${template!.kind}`),
    total: length,
    dependencies: Boolean(template!.after?.length || defaults?.after?.length),
    inputField,
    specs: (async function* () {
      yield first.value
      yield* specs
    })(),
    delay,
    maxLoad,
    memFree,
    onQueued: files
      ? (jobId, { index, spec, input }) => {
          const planned: PlannedJob = { seq: index + 1, kind: spec.kind, params: spec.params }
          if (spec.name !== undefined) planned.name = spec.name
          if (input !== undefined) planned.input = { value: input }
          plan.set(jobId, planned)
        }
      : undefined,
  })
  // A bad input later is the stream's error: the jobs before it ran, the rest are not read.
  const over = stream.done.catch(() => {})
  if (rule) {
    // Of lines, a percentage is of the jobs read so far (as `corelane run`): the file's length is known only at its end.
    const total = () => length ?? stream.progress.read
    const watch = watchHalt(engine, { batchId: stream.batchId, total, stopReading: () => stream.stop() }, rule)
    void over.then(() => watch.stop())
  }
  if (files) {
    const stop = engine.onJobSettled((job) => {
      const planned = plan.get(job.id)
      if (!planned) return
      plan.delete(job.id)
      files.add(job, planned)
    })
    void over
      .then(() => (stop(), files.done()))
      .then((errors) => {
        for (const error of errors) console.error(`corelane: ${error}`)
      })
  }
  const result: SubmitResult = { batchId: stream.batchId, jobIds: [] }
  if (length !== null) result.streamed = length
  return { result, done: stream.done }
}
