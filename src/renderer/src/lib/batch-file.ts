// Batch files dropped on (or picked in) the window: parse, check against the shared
// BatchFileSchema and every job's kind, and turn into one `submit` payload. Problems name the
// field (`jobs[3].params.n`) so the user can fix the file.
import { commandSchemas } from '../../../shared/contract.ts'
import type { CommandInput } from '../../../shared/contract.ts'
import type { JobSpec } from '../../../shared/job.ts'
import {
  applyTemplate,
  BatchFileSchema,
  checkJobSpec,
  expandRange,
  MAX_JOBS_PER_SUBMIT,
  rangeLength,
  type RangeSpec,
} from '../../../shared/schemas.ts'
import { safeParseProblems } from '../../../shared/validate.ts'
import type { FieldProblem } from '../../../shared/validate.ts'

export type BatchFileResult =
  { ok: true; payload: CommandInput<'submit'>; jobCount: number; name: string } | { ok: false; problems: FieldProblem[] }

const MAX_REPORTED = 20
/** Checking is fast but not free: past this many jobs the engine checks the rest on submit. */
const MAX_CHECKED = 10_000

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function fail(field: string, message: string): BatchFileResult {
  return { ok: false, problems: [{ field, message }] }
}

function capped(problems: FieldProblem[], total: number): FieldProblem[] {
  if (total <= problems.length) return problems
  return [...problems, { field: '', message: `…and ${total - problems.length} more like these` }]
}

export function parseBatchFile(text: string, fileName: string): BatchFileResult {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err)
    return fail('', `${fileName} is not valid JSON: ${detail}`)
  }
  const parsed = safeParseProblems(BatchFileSchema, json)
  if (!parsed.ok) return { ok: false, problems: parsed.problems }
  const batch = parsed.value
  const name = batch.name ?? fileName.replace(/\.json$/i, '')
  const defaults = batch.defaults ?? {}
  const problems: FieldProblem[] = []
  let total = 0
  const seen = new Set<string>()
  // The same mistake on every input is reported once (for the first input), then counted.
  const report = (list: FieldProblem[], suffix = '') => {
    for (const p of list) {
      total++
      const key = `${p.field}\n${p.message}`
      if (seen.has(key) || problems.length >= MAX_REPORTED) continue
      seen.add(key)
      problems.push(suffix ? { ...p, message: `${p.message}${suffix}` } : p)
    }
  }

  let payload: CommandInput<'submit'>
  let jobCount: number
  if (batch.jobs) {
    if (!batch.jobs.length) return fail('jobs', 'the file has no jobs')
    // The submit command has no `defaults`: each job inherits them here, its own values winning.
    const jobs = batch.jobs.map((job) => (isRecord(job) ? { ...defaults, ...job } : job))
    for (let i = 0; i < Math.min(jobs.length, MAX_CHECKED); i++) {
      const checked = checkJobSpec(jobs[i], `jobs[${i}]`)
      if (!checked.ok) report(checked.problems)
    }
    payload = { name, jobs }
    jobCount = jobs.length
  } else {
    const template = { ...defaults, ...batch.template } as JobSpec
    let inputs: unknown[] | undefined
    let streamedRange: RangeSpec | undefined
    if (batch.inputs === undefined) inputs = undefined
    else if (Array.isArray(batch.inputs)) inputs = batch.inputs
    else if ('range' in batch.inputs) {
      // A long range is sent as it is: the engine streams it (read as its jobs run), as the CLI does.
      const length = rangeLength(batch.inputs.range)
      if (length > MAX_JOBS_PER_SUBMIT) streamedRange = batch.inputs.range
      else inputs = expandRange(batch.inputs.range)
    } else {
      return fail(
        'inputs.lines',
        `reads the file "${batch.inputs.lines}" from disk, which the window cannot do. ` +
          'Put the inputs in the batch file as an array, paste them into the form (one per line), ' +
          'or open the batch file in the desktop app (from the file manager, or `corelane-desktop <file>`) ' +
          'or with `corelane run`, which read it as the jobs run.',
      )
    }
    if (inputs) {
      if (!inputs.length) return fail('inputs', 'there are no inputs, so the batch would have no jobs')
      for (let i = 0; i < Math.min(inputs.length, MAX_CHECKED); i++) {
        const checked = checkJobSpec(applyTemplate(template, inputs[i], i), 'template')
        if (!checked.ok) report(checked.problems, ` (for inputs[${i}])`)
      }
      payload = { name, template, inputs }
      jobCount = inputs.length
    } else if (streamedRange) {
      const checked = checkJobSpec(applyTemplate(template, streamedRange.from, 0), 'template')
      if (!checked.ok) report(checked.problems, ' (for inputs.range)')
      payload = { name, template, range: streamedRange }
      jobCount = rangeLength(streamedRange)
    } else {
      const checked = checkJobSpec(applyTemplate(template, 0, 0), 'template')
      if (!checked.ok) report(checked.problems)
      payload = { name, template, count: batch.count }
      jobCount = batch.count ?? 0
    }
  }
  if (problems.length) return { ok: false, problems: capped(problems, total) }
  // Of the batch controls the window runs the halt rule and the gates (delay, maxLoad, memFree);
  // joblog and keepOrder write files or order terminal output, which is `corelane run`'s (History
  // exports the joblog; the desktop app writes a joblog for a file it opens), and a file's
  // `results` is relative to where it is, which a dropped file does not say (the form's Results
  // folder takes an absolute one).
  const { halt, delay, maxLoad, memFree } = batch
  Object.assign(payload, { halt, delay, maxLoad, memFree })
  const envelope = safeParseProblems(commandSchemas.submit, payload)
  if (!envelope.ok) return { ok: false, problems: envelope.problems }
  return { ok: true, payload, jobCount, name }
}
