// Turns a submit request (explicit jobs, or a template over inputs or a count) into validated
// job specs. All or nothing: a batch with one bad job queues nothing, and the error names
// every field at fault. Large batches are checked in slices so the engine's loop stays free.
import type { JobSpec } from '../../shared/job.ts'
import { JobSpecSchema, MAX_JOBS_PER_SUBMIT, applyTemplate, checkJobSpec, type ValidJobSpec } from '../../shared/schemas.ts'
import { ValidationError, parseOrThrow, type FieldProblem } from '../../shared/validate.ts'
import { KindTally } from './batch.ts'
import { yieldToLoop } from './yield-to-loop.ts'
import type { SubmitRequest } from './types.ts'

/** Stop collecting after this many problems: the first ones are enough to fix the input. */
const MAX_PROBLEMS = 20
/** Work at most this long before yielding to the event loop. */
const SLICE_MS = 1

/** A checked submission, with what the engine needs to know of its jobs as a whole. */
export interface CheckedSubmission {
  specs: ValidJobSpec[]
  /** The batch's name if the request gives none: "300 × hash", "3 kinds". */
  defaultName: string
  /** Some job names others in `after` (only then are dependencies resolved). */
  withAfter: boolean
}

/** The checked specs alone (a preview of a batch, a check of a file). */
export async function validateSubmission(request: SubmitRequest): Promise<ValidJobSpec[]> {
  return (await checkSubmission(request)).specs
}

/**
 * Checks every job, in slices, and notes on the way what the engine would otherwise find by
 * walking the whole list again before its first yield (the kinds for the batch's name, whether
 * any job waits for another): at 100,000 jobs those walks held the loop for several milliseconds.
 */
export async function checkSubmission(request: SubmitRequest): Promise<CheckedSubmission> {
  const { jobs, template, inputs, count } = request
  const kinds = new KindTally()
  let withAfter = false
  if ((jobs === undefined) === (template === undefined)) {
    throw new ValidationError([{ field: 'jobs', message: 'give exactly one of `jobs` or `template`' }])
  }
  const defaults = request.defaults ?? {}
  const problems: FieldProblem[] = []
  const out: ValidJobSpec[] = []
  /** A checked job of a list or of a template's inputs: kept, and noted for the batch as a whole. */
  const keep = (job: ValidJobSpec): void => {
    out.push(job)
    kinds.add(job.kind)
    if (job.after?.length) withAfter = true
  }

  if (jobs) {
    if (jobs.length === 0) throw new ValidationError([{ field: 'jobs', message: 'must hold at least one job' }])
    if (jobs.length > MAX_JOBS_PER_SUBMIT)
      throw new ValidationError([{ field: 'jobs', message: `at most ${MAX_JOBS_PER_SUBMIT} jobs` }])
    // Without defaults a job is checked as it came (the check copies it anyway): no copy per job.
    const hasDefaults = Object.keys(defaults).length > 0
    let sliceStart = performance.now()
    for (let i = 0; i < jobs.length && problems.length < MAX_PROBLEMS; i++) {
      const raw = jobs[i]
      const merged = hasDefaults && raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...defaults, ...raw } : raw
      const checked = checkJobSpec(merged, `jobs[${i}]`)
      if (checked.ok) keep(checked.job)
      else problems.push(...checked.problems)
      if ((i & 63) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToLoop()
        sliceStart = performance.now()
      }
    }
  } else {
    const base = parseOrThrow(JobSpecSchema, { ...defaults, ...(template as object) }, 'template') as JobSpec
    if ((inputs === undefined) === (count === undefined)) {
      throw new ValidationError([{ field: 'template', message: 'needs exactly one of `inputs` or `count`' }])
    }
    if (count !== undefined) {
      if (!Number.isInteger(count) || count < 1 || count > MAX_JOBS_PER_SUBMIT) {
        throw new ValidationError([{ field: 'count', message: `must be a whole number from 1 to ${MAX_JOBS_PER_SUBMIT}` }])
      }
      // Every copy is identical: check once, then share the one spec (and its params).
      const checked = checkJobSpec(base, 'template')
      if (!checked.ok) throw new ValidationError(checked.problems)
      kinds.add(checked.job.kind)
      return {
        specs: new Array<ValidJobSpec>(count).fill(checked.job),
        defaultName: kinds.name(count),
        withAfter: Boolean(checked.job.after?.length),
      }
    } else {
      const list = inputs!
      if (list.length === 0) throw new ValidationError([{ field: 'inputs', message: 'must hold at least one input' }])
      let sliceStart = performance.now()
      for (let i = 0; i < list.length && problems.length < MAX_PROBLEMS; i++) {
        const spec = applyTemplate(base, list[i], i)
        if (base.name === undefined && !hasOwnName(list[i])) delete spec.name
        const checked = checkJobSpec(spec, `inputs[${i}]`)
        if (checked.ok) keep(checked.job)
        else problems.push(...checked.problems)
        if ((i & 63) === 0 && performance.now() - sliceStart > SLICE_MS) {
          await yieldToLoop()
          sliceStart = performance.now()
        }
      }
    }
  }
  if (problems.length) throw new ValidationError(problems.slice(0, MAX_PROBLEMS))
  return { specs: out, defaultName: kinds.name(out.length), withAfter }
}

/** One job of a streamed batch: its checked spec and the position of its input (0-based). */
export interface IndexedSpec {
  index: number
  spec: ValidJobSpec
  /** The input it was made from (absent for a count): a joblog's or --results folder's name uses it. */
  input?: unknown
}

/** A template batch whose inputs arrive one by one (a file of any length, a range, standard input). */
export interface TemplateStreamRequest {
  template: unknown
  defaults?: SubmitRequest['defaults']
  /** Exactly one of `inputs` (read lazily, once) or `count`. */
  inputs?: Iterable<unknown> | AsyncIterable<unknown>
  count?: number
  /** How an error names input `index` (default `inputs[index]`), e.g. a line of a file. */
  inputField?: (index: number) => string
  /** Inputs to leave out (a resumed batch's succeeded ones): they are not checked or yielded. */
  skip?: (index: number) => boolean
}

/**
 * Expands a template over its inputs lazily, checking each job as it goes: nothing is held
 * but the current input, so a batch can be as long as its source. A bad input stops the
 * stream with a ValidationError naming that input (the inputs before it have been yielded:
 * a stream cannot be all or nothing). Yields to the event loop every millisecond of work.
 */
export async function* streamSubmission(request: TemplateStreamRequest): AsyncGenerator<IndexedSpec> {
  const { inputs, count, skip } = request
  if ((inputs === undefined) === (count === undefined)) {
    throw new ValidationError([{ field: 'template', message: 'needs exactly one of `inputs` or `count`' }])
  }
  const base = parseOrThrow(JobSpecSchema, { ...request.defaults, ...(request.template as object) }, 'template') as JobSpec
  let sliceStart = performance.now()
  const pace = async (index: number) => {
    if ((index & 63) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await yieldToLoop()
      sliceStart = performance.now()
    }
  }
  if (count !== undefined) {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new ValidationError([{ field: 'count', message: `must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}` }])
    }
    // Every copy is identical: check once, then share the one spec (and its params).
    const checked = checkJobSpec(base, 'template')
    if (!checked.ok) throw new ValidationError(checked.problems)
    for (let index = 0; index < count; index++) {
      if (skip?.(index)) continue
      yield { index, spec: checked.job }
      await pace(index)
    }
    return
  }
  const field = request.inputField ?? ((index: number) => `inputs[${index}]`)
  let index = 0
  for await (const input of inputs!) {
    if (!skip?.(index)) {
      const spec = applyTemplate(base, input, index)
      if (base.name === undefined && !hasOwnName(input)) delete spec.name
      const checked = checkJobSpec(spec, field(index))
      if (!checked.ok) throw new ValidationError(checked.problems)
      yield { index, spec: checked.job, input }
    }
    await pace(index)
    index++
  }
  if (index === 0) throw new ValidationError([{ field: 'inputs', message: 'must hold at least one input' }])
}

/**
 * Whether a streamed template's jobs may name others in `after`: the template's (or the
 * defaults') own `after`, or a list of inputs holding an object with its own (applyTemplate).
 * Decided before the stream starts, since the names of jobs read before the first `after` must
 * already be remembered; a list is held whole anyway, so looking through it costs one pass. A
 * file of lines holds text and a range numbers, never an object: no stream of them needs names.
 */
export function streamNamesDependencies(
  template: { after?: readonly string[] } | undefined,
  defaults: { after?: readonly string[] } | undefined,
  inputs: unknown,
): boolean {
  if (template?.after?.length || defaults?.after?.length) return true
  return Array.isArray(inputs) && inputs.some((input) => input !== null && typeof input === 'object' && 'after' in input)
}

/** An object input with a string `name` names its job even when the template names none. */
function hasOwnName(input: unknown): boolean {
  return input !== null && typeof input === 'object' && typeof (input as { name?: unknown }).name === 'string'
}

/** The values of a range, generated as they are needed; a range past 2^53 is refused, never cut. */
export function* rangeInputs(range: { from: number; to: number; step: number }, field = 'inputs.range'): Generator<number> {
  for (const key of ['from', 'to', 'step'] as const) {
    if (!Number.isSafeInteger(range[key])) {
      throw new ValidationError([
        {
          field: `${field}.${key}`,
          message: `must be a whole number from ${-Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`,
        },
      ])
    }
  }
  if (range.step < 1) throw new ValidationError([{ field: `${field}.step`, message: 'must be at least 1' }])
  // from + step stays exact while it is at most MAX_SAFE_INTEGER; beyond that the loop ends anyway (to is safe).
  for (let value = range.from; value < range.to; value += range.step) {
    yield value
    if (value > Number.MAX_SAFE_INTEGER - range.step) return
  }
}
