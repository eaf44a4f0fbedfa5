// Schemas for jobs and batch files, shared by the CLI, the engine, the IPC/WebSocket bridge
// and the renderer's form. The batch file's published JSON Schema is generated from these.
import * as v from 'valibot'
import type { JobSpec } from './job.ts'
import { BATCH_CONTROL_ENTRIES, ResultsDirSchema, SUBMIT_CONTROL_ENTRIES } from './controls.ts'
import { KIND_NAMES, isKindName, kindParams } from './kinds.ts'
import { plainEnvelope } from './plain-envelope.ts'
import { ValidationError, freeFormProblem, isFreeFormClean, joinPath, issuesToProblems, type FieldProblem } from './validate.ts'

export const MAX_JOBS_PER_SUBMIT = 1_000_000

/**
 * The longest timeout: 24 days. Node's timers hold at most 2^31 − 1 ms (about 24.8 days; a
 * longer one fires at once), and the engine arms a watchdog at timeoutMs plus its grace
 * period, so the schema leaves it most of a day of room.
 */
export const MAX_TIMEOUT_MS = 24 * 24 * 3600 * 1000

/**
 * Free-form values (params, template inputs) are checked before the schema copies them:
 * valibot's record drops a `__proto__` key without a word, so the raw input is walked first.
 * The check names the exact field (`params.input[0]…`, relative to the value checked).
 */
/** A field path as a message shows it: a path 64 levels deep is cut, not printed whole. */
function shortPath(path: string): string {
  return path.length > 80 ? `${path.slice(0, 80)}…` : path
}

const freeForm = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(
    // Accepts anything (the schema after the check judges the shape); typed as that schema's input.
    v.custom<v.InferInput<S>>(() => true),
    v.rawCheck<v.InferInput<S>>(({ dataset, addIssue }) => {
      const problem = freeFormProblem(dataset.value, '')
      if (problem) addIssue({ message: problem.field ? `${shortPath(problem.field)} ${problem.message}` : problem.message })
    }),
    schema,
  )

const jobOptionEntries = {
  name: v.optional(v.pipe(v.string(), v.maxLength(200), v.description('Shown in the job table and the CLI output'))),
  lane: v.optional(
    v.pipe(v.picklist(['cpu', 'io']), v.description('cpu: one slot per core; io: many at once in a worker event loop')),
  ),
  executor: v.optional(
    v.pipe(v.picklist(['auto', 'thread', 'process']), v.description('auto follows the kind; thread is cheap, process isolates')),
  ),
  priority: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(-1000),
      v.maxValue(1000),
      v.description('Higher runs first; FIFO within a priority'),
    ),
  ),
  timeoutMs: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS} ms (24 days: Node's timers hold at most 2^31 − 1 ms)`),
      v.description('Stop the job after this long'),
    ),
  ),
  retries: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100), v.description('Extra attempts after a failure')),
  ),
  memoryMb: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(1 << 20), v.description('Memory ceiling for the job, MiB')),
  ),
  after: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
      v.maxLength(10_000),
      v.description(
        "Names of jobs of this batch that must succeed first. In a template, {} is replaced as in the name; an object input's own `after` replaces it",
      ),
    ),
  ),
}

/** A job as it appears in a batch file or a submit command; params are checked per kind afterwards. */
export const JobSpecSchema = v.strictObject({
  ...jobOptionEntries,
  kind: v.pipe(v.string(), v.description(`One of: ${KIND_NAMES.join(', ')}`)),
  params: v.optional(freeForm(v.record(v.string(), v.unknown())), {}),
})

/**
 * JobSpecSchema as checkJobSpec runs it, per job: the same but for the free-form check of
 * params, which checkJobSpec has made just before (naming the exact field), so it is not
 * walked a second time.
 */
const JobEnvelopeSchema = v.strictObject({
  ...JobSpecSchema.entries,
  params: v.optional(v.record(v.string(), v.unknown()), {}),
})

/** Options every job of a batch inherits unless it sets its own. */
export const JobDefaultsSchema = v.strictObject(jobOptionEntries)

const ListInputs = freeForm(
  v.pipe(
    v.array(v.unknown()),
    v.maxLength(MAX_JOBS_PER_SUBMIT),
    v.description(
      'One job per input: a value replaces {} in the template; an object is merged into params, ' +
        "except its `name` (names the job) and its `after` (the names it waits for, instead of the template's; [] for none)",
    ),
  ),
)
// Past 2^53 consecutive integers collide (2^53 + 1 === 2^53), so a range there would repeat
// values: refused, never cut. Its length is not capped: `corelane run` streams a range (see
// rangeInputs in submission.ts); a caller that holds it whole uses expandRange, which refuses
// more than MAX_JOBS_PER_SUBMIT values.
const safeInteger = () =>
  v.pipe(
    v.number(),
    v.integer(),
    v.safeInteger(`must be a whole number from ${-Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`),
  )
const RangeInputs = v.strictObject({
  range: v.pipe(
    v.strictObject({
      from: v.optional(safeInteger(), 0),
      to: safeInteger(),
      step: v.optional(v.pipe(safeInteger(), v.minValue(1)), 1),
    }),
    v.check((r) => rangeLength(r) >= 1, 'holds no values (`to` must be above `from`)'),
  ),
})
const LinesInputs = v.strictObject({
  lines: v.pipe(v.string(), v.minLength(1), v.description('A text file with one input per line, or "-" for standard input')),
})

/** The same three forms as one union, for the published JSON Schema (which cannot express `lazy`). */
export const InputsDocSchema = v.union([ListInputs, RangeInputs, LinesInputs])

/** Inputs to map a template over: a list, a `range`, or a file of `lines`. Picked by shape, so errors name the real field. */
const InputsSchema = v.lazy((input: unknown) =>
  Array.isArray(input) ? ListInputs : input !== null && typeof input === 'object' && 'lines' in input ? LinesInputs : RangeInputs,
)

export const BatchFileSchema = v.pipe(
  v.custom<Record<string, unknown>>(
    (input) => !Array.isArray(input),
    'a batch file is an object with `jobs` or `template`, not an array',
  ),
  v.strictObject({
    $schema: v.optional(v.string()),
    name: v.optional(v.pipe(v.string(), v.maxLength(200))),
    defaults: v.optional(JobDefaultsSchema),
    jobs: v.optional(v.pipe(v.array(v.unknown()), v.maxLength(MAX_JOBS_PER_SUBMIT))),
    template: v.optional(JobSpecSchema),
    inputs: v.optional(InputsSchema),
    // The CLI streams a count (and `lines`, and a `range`): no cap but the safe integers.
    count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER))),
    ...BATCH_CONTROL_ENTRIES,
  }),
  v.check((b) => (b.jobs === undefined) !== (b.template === undefined), 'a batch needs exactly one of `jobs` or `template`'),
  v.check(
    (b) => b.template === undefined || (b.inputs === undefined) !== (b.count === undefined),
    '`template` needs exactly one of `inputs` or `count`',
  ),
)

export type BatchFile = v.InferOutput<typeof BatchFileSchema>
export type Inputs = v.InferOutput<typeof InputsSchema>

/** A job spec whose envelope and params have both been checked. */
export interface ValidJobSpec extends JobSpec {
  kind: keyof typeof kindParams
}

const noParamsKinds = new Map<string, boolean>()

/** True when the kind's params schema turns {} into {} (nothing required, no defaults): an empty params stays as it is. */
function takesNoParams(kind: keyof typeof kindParams): boolean {
  let known = noParamsKinds.get(kind)
  if (known === undefined) {
    const parsed = v.safeParse(kindParams[kind] as v.GenericSchema, {})
    known = parsed.success && isEmptyPlain(parsed.output)
    noParamsKinds.set(kind, known)
  }
  return known
}

const isEmptyPlain = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  Object.getPrototypeOf(value) === Object.prototype &&
  Object.keys(value).length === 0

/** Checks one job's envelope and its kind's params; problems name the field under `prefix`. */
export function checkJobSpec(
  input: unknown,
  prefix = '',
): { ok: true; job: ValidJobSpec } | { ok: false; problems: FieldProblem[] } {
  // The raw params first, so the problem names its exact field (`jobs[3].params.x`).
  const rawParams = input !== null && typeof input === 'object' ? (input as { params?: unknown }).params : undefined
  // (Its field's path is built only for a value with a problem: this runs for every job.)
  const freeFormIssue =
    rawParams === undefined || isFreeFormClean(rawParams) ? null : freeFormProblem(rawParams, joinPath(prefix, 'params'))
  if (freeFormIssue) return { ok: false, problems: [{ field: shortPath(freeFormIssue.field), message: freeFormIssue.message }] }
  const plain = plainEnvelope(input) as v.InferOutput<typeof JobEnvelopeSchema> | null
  let spec = plain
  if (!spec) {
    const envelope = v.safeParse(JobEnvelopeSchema, input)
    if (!envelope.success) return { ok: false, problems: issuesToProblems(envelope.issues, prefix) }
    spec = envelope.output
  }
  if (!isKindName(spec.kind)) {
    return {
      ok: false,
      problems: [{ field: joinPath(prefix, 'kind'), message: `unknown kind "${spec.kind}" (known: ${KIND_NAMES.join(', ')})` }],
    }
  }
  // No params at all (plainEnvelope's case): what the kind's schema makes of {} is known once per kind.
  if (plain && takesNoParams(spec.kind)) return { ok: true, job: spec as ValidJobSpec }
  const params = v.safeParse(kindParams[spec.kind] as v.GenericSchema, spec.params)
  if (!params.success) return { ok: false, problems: issuesToProblems(params.issues, joinPath(prefix, 'params')) }
  // The envelope's output is a fresh object of its own: it takes the checked params in place (no copy per job).
  spec.params = params.output as Record<string, unknown>
  return { ok: true, job: spec as ValidJobSpec }
}

export function parseJobSpec(input: unknown, prefix = ''): ValidJobSpec {
  const checked = checkJobSpec(input, prefix)
  if (!checked.ok) throw new ValidationError(checked.problems)
  return checked.job
}

/** The placeholder a template's string params use for the current input, as in GNU parallel. */
export const INPUT_PLACEHOLDER = '{}'

function substitute(value: unknown, input: unknown): unknown {
  if (typeof value === 'string') {
    if (value === INPUT_PLACEHOLDER) return input
    return value.includes(INPUT_PLACEHOLDER) ? value.split(INPUT_PLACEHOLDER).join(String(input)) : value
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, input))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, input)
    return out
  }
  return value
}

/**
 * Applies a template to one input: an object input is merged into params; any other input
 * replaces `{}` in the template's string params (a param that is exactly `{}` takes the input as is).
 * `{}` in the template's `after` is replaced as in its name. An object input's own `after`
 * (no kind has an `after` param) replaces the template's for that job, `[]` meaning none: so a
 * list or file of inputs can spell out a pipeline, each job naming the earlier ones it waits for.
 * It is not checked here: checkJobSpec checks it with the rest of the envelope (`inputs[3].after[0]`).
 */
export function applyTemplate(template: JobSpec, input: unknown, index: number): JobSpec {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    // An object's own `name` names the job (no kind has a `name` param); the rest are params.
    const { name: own, after: ownAfter, ...rest } = input as Record<string, unknown>
    const label = typeof own === 'string' ? own : undefined
    const params = { ...template.params, ...(label === undefined && own !== undefined ? { name: own } : {}), ...rest }
    const shown = label ?? shortJson(input)
    const name = template.name ? template.name.split(INPUT_PLACEHOLDER).join(shown) : (label ?? `${template.kind} #${index + 1}`)
    const spec: JobSpec = { ...template, params, name }
    if (ownAfter !== undefined) spec.after = ownAfter as string[]
    else if (template.after) spec.after = template.after.map((dependency) => dependency.split(INPUT_PLACEHOLDER).join(shown))
    return spec
  }
  const params = substitute(template.params, input) as Record<string, unknown>
  const name = template.name ? (substitute(template.name, input) as string) : undefined
  const spec: JobSpec = { ...template, params, name: name ?? `${template.kind} #${index + 1}` }
  if (template.after) spec.after = template.after.map((dependency) => String(substitute(dependency, input)))
  return spec
}

/** How many characters of an object input's JSON a job name shows. */
const NAME_JSON_CHARS = 60

/** An object input as a job name shows it: its JSON, cut with an ellipsis when long. */
function shortJson(input: object): string {
  let json: string
  try {
    json = JSON.stringify(input) ?? String(input)
  } catch {
    // Too deep for JSON.stringify's recursion: the params check right after refuses it, naming the field.
    json = Array.isArray(input) ? '[…]' : '{…}'
  }
  return json.length > NAME_JSON_CHARS ? `${json.slice(0, NAME_JSON_CHARS - 1)}…` : json
}

export interface RangeSpec {
  from: number
  to: number
  step: number
}

/** How many values `from, from + step, …` below `to` a range holds (0 when it is empty). */
export function rangeLength(range: RangeSpec): number {
  return range.to > range.from ? Math.ceil((range.to - range.from) / range.step) : 0
}

/**
 * Every value of a range, held whole (the window, a batch file opened by the app): more than
 * MAX_JOBS_PER_SUBMIT values are refused, never cut (`corelane run` streams a longer one).
 */
export function expandRange(range: RangeSpec, field = 'inputs.range'): number[] {
  const length = rangeLength(range)
  if (length > MAX_JOBS_PER_SUBMIT) {
    throw new ValidationError([
      {
        field,
        message: `holds ${length} values, more than ${MAX_JOBS_PER_SUBMIT} (one job each) held at once; \`corelane run\` streams it`,
      },
    ])
  }
  const out: number[] = new Array(length)
  for (let i = 0; i < length; i++) out[i] = range.from + i * range.step
  return out
}

/**
 * Submit payload over IPC/WebSocket: either explicit jobs or a template mapped over inputs,
 * a `range` or a `count`. A list is held whole (at most MAX_JOBS_PER_SUBMIT); a count or a
 * range of any length is streamed by the host (engine.submitStream), so only the safe
 * integers bound it.
 */
export const SubmitSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.maxLength(200))),
  defaults: v.optional(JobDefaultsSchema),
  jobs: v.optional(v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(MAX_JOBS_PER_SUBMIT))),
  template: v.optional(JobSpecSchema),
  inputs: v.optional(freeForm(v.pipe(v.array(v.unknown()), v.maxLength(MAX_JOBS_PER_SUBMIT)))),
  range: v.optional(RangeInputs.entries.range),
  count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER))),
  ...SUBMIT_CONTROL_ENTRIES,
  /** The window's --results: each job's files under this folder as it ends (host/submit-controls.ts). */
  results: v.optional(ResultsDirSchema),
})

export const LimitsPatchSchema = v.strictObject({
  cpuSlots: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024))),
  ioConcurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000))),
  pinning: v.optional(v.boolean()),
})
