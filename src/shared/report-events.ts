// The events of an agent's report (AgentReportSchema's `e`) on the wire: a flat run of the
// workers' protocol events (src/main/engine/worker/protocol.ts), checked field by field, plus
// two codes of the wire only that make a short job's end small. A profile of an agent running
// no-op packs found its return value (58 bytes a job, mostly two 13-digit times) cost more to
// stringify and send than the rest of the pack's Redis work, and every controller parses it
// again. So:
//   [WIRE_BASE, t]          times after it are offsets from t (small integers on the wire);
//   [WIRE_OK, id, s, e]     started at s, succeeded at e, no result, no result file, no log:
//                           the protocol's [STARTED_ENDED, id, s, DONE, id, e, null, null, false].
// The schema decodes both: what it outputs is the protocol's layout with absolute times, as an
// old agent sends it (which is read as before), so nothing past the schema sees the wire form.
import * as v from 'valibot'
import { safeParseProblems, type FieldProblem } from './validate.ts'

/** The protocol's event codes, repeated here because src/shared imports nothing. */
const EV = { STARTED: 1, DONE: 2, FAILED: 3, PROGRESS: 4, DROPPED: 5, STARTED_ENDED: 6 } as const
/** Wire-only codes (above the protocol's, which end at 9). */
export const WIRE_BASE = 16
export const WIRE_OK = 17

const jobId = v.pipe(v.number(), v.integer(), v.minValue(1))
const time = v.pipe(v.number(), v.minValue(0))

const failureCode = v.picklist([
  'job-error',
  'timeout',
  'cancelled',
  'worker-crashed',
  'out-of-memory',
  'exit-code',
  'invalid-params',
  'interrupted',
])
const resultFile = v.nullable(v.strictObject({ file: v.string(), bytes: v.pipe(v.number(), v.minValue(0)) }))

/** The fields after the code of each event type, in the protocol's order (times absolute). */
const EVENT_FIELDS: Record<number, v.GenericSchema> = {
  [EV.STARTED]: v.strictTuple([jobId, time]),
  [EV.STARTED_ENDED]: v.strictTuple([jobId, time]),
  [EV.DONE]: v.strictTuple([jobId, time, v.unknown(), resultFile, v.boolean()]),
  [EV.FAILED]: v.strictTuple([jobId, time, failureCode, v.pipe(v.string(), v.maxLength(10_000)), v.boolean()]),
  [EV.PROGRESS]: v.strictTuple([
    jobId,
    v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
    v.nullable(v.pipe(v.string(), v.maxLength(1000))),
  ]),
  [EV.DROPPED]: v.strictTuple([jobId]),
  [WIRE_BASE]: v.strictTuple([time]),
  [WIRE_OK]: v.strictTuple([jobId, time, time]),
}
const ARITY: Record<number, number> = Object.fromEntries(
  Object.entries(EVENT_FIELDS).map(([code, schema]) => [code, (schema as unknown as { items: unknown[] }).items.length]),
)
/** Where each code's times are, after the code (the base applies to these). */
const TIMES: Record<number, readonly number[]> = {
  [EV.STARTED]: [2],
  [EV.STARTED_ENDED]: [2],
  [EV.DONE]: [2],
  [EV.FAILED]: [2],
  [WIRE_OK]: [2, 3],
}

const FAILURE_CODES: ReadonlySet<unknown> = new Set(failureCode.options)
const isId = (x: unknown) => Number.isInteger(x) && (x as number) >= 1
const isTime = (x: unknown) => typeof x === 'number' && x >= 0
/** A time on the wire: an offset from `base` (0 when the report has none) naming a time ≥ 0. */
const isTimeAt = (x: unknown, base: number) => typeof x === 'number' && base + x >= 0
const isResultFile = (x: unknown) =>
  x === null ||
  (typeof x === 'object' &&
    Object.keys(x).length === 2 &&
    typeof (x as { file?: unknown }).file === 'string' &&
    isTime((x as { bytes?: unknown }).bytes))

/**
 * The same checks as EVENT_FIELDS, written out, on the wire's values (times as offsets from
 * `base`): a pack of 1,000 jobs brings 2,000 events, and this runs on the controller's loop.
 * Only an event that fails them goes through valibot, for the message.
 */
const FAST_CHECKS: Record<number, (e: unknown[], i: number, base: number) => boolean> = {
  [EV.STARTED]: (e, i, base) => isId(e[i + 1]) && isTimeAt(e[i + 2], base),
  [EV.STARTED_ENDED]: (e, i, base) => isId(e[i + 1]) && isTimeAt(e[i + 2], base),
  [EV.DONE]: (e, i, base) =>
    isId(e[i + 1]) && isTimeAt(e[i + 2], base) && isResultFile(e[i + 4]) && typeof e[i + 5] === 'boolean',
  [EV.FAILED]: (e, i, base) =>
    isId(e[i + 1]) &&
    isTimeAt(e[i + 2], base) &&
    FAILURE_CODES.has(e[i + 3]) &&
    typeof e[i + 4] === 'string' &&
    (e[i + 4] as string).length <= 10_000 &&
    typeof e[i + 5] === 'boolean',
  [EV.PROGRESS]: (e, i) =>
    isId(e[i + 1]) &&
    typeof e[i + 2] === 'number' &&
    (e[i + 2] as number) >= 0 &&
    (e[i + 2] as number) <= 1 &&
    (e[i + 3] === null || (typeof e[i + 3] === 'string' && (e[i + 3] as string).length <= 1000)),
  [EV.DROPPED]: (e, i) => isId(e[i + 1]),
  [WIRE_BASE]: (e, i) => isTime(e[i + 1]),
  [WIRE_OK]: (e, i, base) => isId(e[i + 1]) && isTimeAt(e[i + 2], base) && isTimeAt(e[i + 3], base),
}

/** Event `e[i..]`'s fields with its times made absolute (a copy: the input is never written). */
function fieldsAt(e: unknown[], i: number, arity: number, base: number): unknown[] {
  const fields = e.slice(i + 1, i + 1 + arity)
  for (const at of TIMES[e[i] as number] ?? [])
    if (typeof fields[at - 1] === 'number') fields[at - 1] = base + (fields[at - 1] as number)
  return fields
}

/** Why event `e[i..]` fails valibot's check, with the index of its field in the run; null: it passes. */
function problemOf(e: unknown[], i: number, arity: number, base: number): FieldProblem | null {
  const parsed = safeParseProblems(EVENT_FIELDS[e[i] as number]!, fieldsAt(e, i, arity, base))
  if (parsed.ok) return null
  const first = parsed.problems[0]!
  const offset = Number(/^\[(\d+)\]/.exec(first.field)?.[1] ?? -1)
  return { field: `at index ${offset >= 0 ? i + 1 + offset : i}`, message: first.message }
}

/**
 * Checks a flat run of report events and decodes the wire codes: the protocol's layout with
 * absolute times, or the first problem, naming its index in the run as it came. `e` is only
 * read: a run with no wire code comes back as it is (no copy), one with them as a new array.
 */
export function decodeReportEvents(e: unknown[]): { ok: true; events: unknown[] } | { ok: false; problem: FieldProblem } {
  let compact = false
  // Offsets are checked as the absolute times they stand for (a clock set back while a pack
  // ran gives a negative one, which is fine as long as the time it names is not).
  let base = 0
  let i = 0
  while (i < e.length) {
    const code = e[i] as number
    const arity = ARITY[code]
    if (arity === undefined)
      return { ok: false, problem: { field: `at index ${i}`, message: `unknown event code ${JSON.stringify(code)}` } }
    if (code === WIRE_BASE || code === WIRE_OK) compact = true
    if (!(i + arity < e.length && FAST_CHECKS[code]!(e, i, base))) {
      const problem = problemOf(e, i, arity, base)
      if (problem) return { ok: false, problem }
    }
    if (code === WIRE_BASE) base = e[i + 1] as number
    i += 1 + arity
  }
  if (!compact) return { ok: true, events: e }
  const out: unknown[] = []
  base = 0
  for (let k = 0; k < e.length;) {
    const code = e[k] as number
    const arity = ARITY[code]!
    if (code === WIRE_BASE) base = e[k + 1] as number
    else if (code === WIRE_OK) {
      const id = e[k + 1]
      out.push(EV.STARTED_ENDED, id, base + (e[k + 2] as number), EV.DONE, id, base + (e[k + 3] as number), null, null, false)
    } else if (TIMES[code]) {
      // The protocol's events with a time: it is the field after the id.
      out.push(code, e[k + 1], base + (e[k + 2] as number))
      for (let n = 3; n <= arity; n++) out.push(e[k + n])
    } else for (let n = 0; n <= arity; n++) out.push(e[k + n])
    k += 1 + arity
  }
  return { ok: true, events: out }
}

/**
 * A report's events as AgentReportSchema reads them: checked, and decoded to the protocol's
 * layout. The array is taken as it is, not copied item by item as v.array would (a third of
 * what a controller allocated while 100,000 remote no-ops flowed, a heap profile).
 */
export const ReportEventsSchema = v.pipe(
  v.custom<unknown[]>(Array.isArray, 'must be an array of events'),
  v.maxLength(1_000_000),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const decoded = decodeReportEvents(dataset.value)
    if (decoded.ok) return decoded.events
    addIssue({ message: `${decoded.problem.field}: ${decoded.problem.message}` })
    return NEVER as unknown as unknown[]
  }),
)
