// Turns a submit request (explicit jobs, or a template over inputs or a count) into validated
// job specs. All or nothing: a batch with one bad job queues nothing, and the error names
// every field at fault. Large batches are checked in slices so the engine's loop stays free.
import type { JobSpec } from '../../shared/job.ts'
import { JobSpecSchema, MAX_JOBS_PER_SUBMIT, applyTemplate, checkJobSpec, type ValidJobSpec } from '../../shared/schemas.ts'
import { ValidationError, parseOrThrow, type FieldProblem } from '../../shared/validate.ts'
import { yieldToLoop } from './kinds/context.ts'
import type { SubmitRequest } from './types.ts'

/** Stop collecting after this many problems: the first ones are enough to fix the input. */
const MAX_PROBLEMS = 20
/** Work at most this long before yielding to the event loop. */
const SLICE_MS = 1

export async function validateSubmission(request: SubmitRequest): Promise<ValidJobSpec[]> {
  const { jobs, template, inputs, count } = request
  if ((jobs === undefined) === (template === undefined)) {
    throw new ValidationError([{ field: 'jobs', message: 'give exactly one of `jobs` or `template`' }])
  }
  const defaults = request.defaults ?? {}
  const problems: FieldProblem[] = []
  const out: ValidJobSpec[] = []

  if (jobs) {
    if (jobs.length === 0) throw new ValidationError([{ field: 'jobs', message: 'must hold at least one job' }])
    if (jobs.length > MAX_JOBS_PER_SUBMIT)
      throw new ValidationError([{ field: 'jobs', message: `at most ${MAX_JOBS_PER_SUBMIT} jobs` }])
    let sliceStart = performance.now()
    for (let i = 0; i < jobs.length && problems.length < MAX_PROBLEMS; i++) {
      const raw = jobs[i]
      const merged = raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...defaults, ...raw } : raw
      const checked = checkJobSpec(merged, `jobs[${i}]`)
      if (checked.ok) out.push(checked.job)
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
      for (let i = 0; i < count; i++) out.push(checked.job)
    } else {
      const list = inputs!
      if (list.length === 0) throw new ValidationError([{ field: 'inputs', message: 'must hold at least one input' }])
      let sliceStart = performance.now()
      for (let i = 0; i < list.length && problems.length < MAX_PROBLEMS; i++) {
        const spec = applyTemplate(base, list[i], i)
        if (base.name === undefined) delete spec.name
        const checked = checkJobSpec(spec, `inputs[${i}]`)
        if (checked.ok) out.push(checked.job)
        else problems.push(...checked.problems)
        if ((i & 63) === 0 && performance.now() - sliceStart > SLICE_MS) {
          await yieldToLoop()
          sliceStart = performance.now()
        }
      }
    }
  }
  if (problems.length) throw new ValidationError(problems.slice(0, MAX_PROBLEMS))
  return out
}
