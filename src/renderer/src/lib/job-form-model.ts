// The job form without the DOM: form state in, a checked `submit` payload or field problems
// out. Checks use the same shared schemas as the engine, so what passes here passes there.
import { commandSchemas } from '../../../shared/contract.ts'
import type { CommandInput } from '../../../shared/contract.ts'
import type { JobSpec } from '../../../shared/job.ts'
import { applyTemplate, checkJobSpec, INPUT_PLACEHOLDER, MAX_JOBS_PER_SUBMIT } from '../../../shared/schemas.ts'
import { safeParseProblems } from '../../../shared/validate.ts'
import type { FieldProblem } from '../../../shared/validate.ts'
import { parseInputLines } from './inputs.ts'
import { paramsToValues, valuesToParams } from './schema-fields.ts'
import type { FieldSpec, FieldValue } from './schema-fields.ts'
import type { Preset } from './presets.ts'

export interface JobFormState {
  kind: string
  values: Record<string, FieldValue>
  mode: 'count' | 'inputs'
  count: string
  inputs: string
  batchName: string
  jobName: string
  /** '' follows the kind. */
  lane: '' | 'cpu' | 'io'
  /** '' (auto) follows the kind. */
  executor: '' | 'thread' | 'process'
  priority: string
  timeoutSec: string
  retries: string
}

export type BuildResult =
  { ok: true; payload: CommandInput<'submit'>; jobCount: number } | { ok: false; problems: FieldProblem[] }

export function emptyForm(kind: string, values: Record<string, FieldValue>): JobFormState {
  return {
    kind,
    values,
    mode: 'count',
    count: '1',
    inputs: '',
    batchName: '',
    jobName: '',
    lane: '',
    executor: '',
    priority: '',
    timeoutSec: '',
    retries: '',
  }
}

export function formFromPreset(preset: Preset, fields: readonly FieldSpec[]): JobFormState {
  const t = preset.template
  return {
    ...emptyForm(t.kind, paramsToValues(fields, t.params)),
    count: String(preset.count),
    batchName: preset.label,
    jobName: t.name ?? '',
    lane: t.lane ?? '',
    executor: t.executor === 'thread' || t.executor === 'process' ? t.executor : '',
    priority: t.priority === undefined ? '' : String(t.priority),
    timeoutSec: t.timeoutMs === undefined ? '' : String(t.timeoutMs / 1000),
    retries: t.retries === undefined ? '' : String(t.retries),
  }
}

/** Form text as a string: `v-model` on a number input hands back numbers (or '' when empty). */
function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value).trim()
}

function numberOption(value: unknown, field: string, problems: FieldProblem[], scale = 1): number | undefined {
  const trimmed = text(value)
  if (!trimmed) return undefined
  const n = Number(trimmed)
  if (!Number.isFinite(n)) {
    problems.push({ field, message: `must be a number (got "${trimmed}")` })
    return undefined
  }
  return scale === 1 ? n : Math.round(n * scale)
}

const MAX_REPORTED = 8

/**
 * The form's refusal of a job count the engine would refuse, in the form's words. Input lines
 * are sent whole (at most MAX_JOBS_PER_SUBMIT); a count is streamed by the engine, so only the
 * safe integers bound it.
 */
export function countProblem(count: number, field: 'count' | 'inputs'): FieldProblem | null {
  const cap = field === 'count' ? Number.MAX_SAFE_INTEGER : MAX_JOBS_PER_SUBMIT
  if (count <= cap) return null
  const what = field === 'count' ? 'jobs' : 'input lines'
  return {
    field,
    message: `${count.toLocaleString('en-US')} ${what} is more than one submit takes (at most ${cap.toLocaleString('en-US')}); split it into several batches`,
  }
}

export function buildSubmit(state: JobFormState, fields: readonly FieldSpec[]): BuildResult {
  const withInputs = state.mode === 'inputs'
  const { params, problems } = valuesToParams(fields, state.values, withInputs, 'template.params')
  const template: JobSpec = { kind: state.kind, params }
  if (text(state.jobName)) template.name = text(state.jobName)
  if (state.lane) template.lane = state.lane
  if (state.executor) template.executor = state.executor
  const priority = numberOption(state.priority, 'template.priority', problems)
  if (priority !== undefined) template.priority = priority
  const timeoutMs = numberOption(state.timeoutSec, 'template.timeoutMs', problems, 1000)
  if (timeoutMs !== undefined) template.timeoutMs = timeoutMs
  const retries = numberOption(state.retries, 'template.retries', problems)
  if (retries !== undefined) template.retries = retries

  const payload: CommandInput<'submit'> = { template }
  if (text(state.batchName)) payload.name = text(state.batchName)
  let jobCount = 0

  if (withInputs) {
    const numericPlaceholder = fields.some(
      (f) => (f.kind === 'integer' || f.kind === 'number') && String(state.values[f.key] ?? '').trim() === INPUT_PLACEHOLDER,
    )
    const inputs = parseInputLines(text(state.inputs), numericPlaceholder)
    payload.inputs = inputs
    jobCount = inputs.length
    if (!inputs.length) problems.push({ field: 'inputs', message: 'add at least one input, one per line' })
    const tooMany = countProblem(inputs.length, 'inputs')
    if (tooMany) problems.push(tooMany)
    // Every input makes its own job: check each one as the engine will see it.
    const seen = new Set(problems.map((p) => p.field))
    for (let i = 0; i < inputs.length && problems.length < MAX_REPORTED; i++) {
      const checked = checkJobSpec(applyTemplate(template, inputs[i], i), 'template')
      if (checked.ok) continue
      for (const problem of checked.problems) {
        if (seen.has(problem.field)) continue
        seen.add(problem.field)
        problems.push({
          field: problem.field,
          message: `${problem.message} (input on line ${i + 1}: ${JSON.stringify(inputs[i])})`,
        })
      }
    }
  } else {
    const count = Number(text(state.count))
    if (!text(state.count) || !Number.isInteger(count) || count < 1) {
      problems.push({ field: 'count', message: 'must be a whole number of jobs, 1 or more' })
    } else if (countProblem(count, 'count')) {
      problems.push(countProblem(count, 'count') as FieldProblem)
    } else {
      payload.count = count
      jobCount = count
    }
    const checked = checkJobSpec(template, 'template')
    if (!checked.ok) problems.push(...checked.problems)
  }

  if (!problems.length) {
    const envelope = safeParseProblems(commandSchemas.submit, payload)
    if (!envelope.ok) problems.push(...envelope.problems)
  }
  return problems.length ? { ok: false, problems } : { ok: true, payload, jobCount }
}

const OPTION_KEYS = new Set(['name', 'lane', 'executor', 'priority', 'timeoutMs', 'retries', 'kind'])

/**
 * Where a problem belongs in the form. Engine errors for expanded jobs (`jobs[3].params.n`,
 * `inputs[3].params.n`) land on the template field they came from; anything else stays as is.
 */
export function formFieldFor(field: string): string {
  const match = /^(?:template|jobs\[\d+\]|inputs\[\d+\])\.(.+)$/.exec(field)
  if (!match) return /^inputs\[\d+\]$/.test(field) ? 'inputs' : field
  const rest = match[1] as string
  const head = rest.split(/[.[]/)[0] as string
  if (head === 'params') return `template.${rest.split('[')[0]}`
  return OPTION_KEYS.has(head) ? `template.${head}` : field
}
