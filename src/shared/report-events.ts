// The events of an agent's report (AgentReportSchema's `e`) on the wire: a flat run of the
// workers' protocol events, in the layout worker-events.ts declares (the codes, widths and
// field order used here all come from there), checked field by field, plus two codes of the
// wire only that make a short job's end small. A profile of an agent running no-op packs found
// its return value (58 bytes a job, mostly two 13-digit times) cost more to stringify and send
// than the rest of the pack's Redis work, and every controller parses it again. So:
//   [WIRE_BASE, t]          times after it are offsets from t (small integers on the wire);
//   [WIRE_OK, id, s, e]     started at s, succeeded at e, no result, no result file, no log:
//                           the protocol's STARTED_ENDED and DONE events (WIRE_OK_MEANS).
// The schema decodes both: what it outputs is the protocol's layout with absolute times, as an
// old agent sends it (which is read as before), so nothing past the schema sees the wire form.
// The agent writes the form with cluster/report-writer.ts.
import * as v from 'valibot'
import { safeParseProblems, type FieldProblem } from './validate.ts'
import {
  EV_DONE,
  EV_DROPPED,
  EV_FAILED,
  EV_PROGRESS,
  EV_STARTED,
  EV_STARTED_ENDED,
  EVENT_FIELDS,
  MAX_EVENT_CODE,
} from './worker-events.ts'

/** Wire-only codes (above the protocol's, MAX_EVENT_CODE). */
export const WIRE_BASE = 16
export const WIRE_OK = 17

/** The protocol's events an agent reports (its workers' command groups and late errors stay with its engine). */
const REPORTED = [EV_STARTED, EV_STARTED_ENDED, EV_DONE, EV_FAILED, EV_PROGRESS, EV_DROPPED] as const

/** The wire-only events' fields, in order: `base` is a time, the times of the events after it are offsets from it. */
const WIRE_FIELDS = { [WIRE_BASE]: ['base'], [WIRE_OK]: ['id', 'startedAt', 'at'] } as const

type Field = (typeof EVENT_FIELDS)[(typeof REPORTED)[number]][number] | (typeof WIRE_FIELDS)[keyof typeof WIRE_FIELDS][number]

/**
 * What a WIRE_OK stands for, in the protocol's events: a start and a plain success. A string
 * names the WIRE_OK field the value comes from; anything else is the value itself.
 */
const WIRE_OK_MEANS: [code: keyof typeof EVENT_FIELDS, values: Record<string, unknown>][] = [
  [EV_STARTED_ENDED, { id: 'id', at: 'startedAt' }],
  [EV_DONE, { id: 'id', at: 'at', result: null, resultFile: null, hasLog: false }],
]

const MAX_MESSAGE = 10_000
const MAX_NOTE = 1000
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
const time = v.pipe(v.number(), v.minValue(0))

// What each field is, as a small integer: the fast check below switches on it.
const ID = 0
/** A time, as an offset from the report's base on the wire. */
const OFFSET = 1
const TIME = 2
const ANY = 3
const RESULT_FILE = 4
const FLAG = 5
const FAILURE = 6
const MESSAGE = 7
const FRACTION = 8
const NOTE = 9

/** Each field's kind, and its schema (times absolute): valibot runs only for an event that fails the fast check, for the message. */
const FIELDS: Record<Field, [kind: number, schema: v.GenericSchema]> = {
  id: [ID, v.pipe(v.number(), v.integer(), v.minValue(1))],
  at: [OFFSET, time],
  startedAt: [OFFSET, time],
  base: [TIME, time],
  result: [ANY, v.unknown()],
  resultFile: [RESULT_FILE, v.nullable(v.strictObject({ file: v.string(), bytes: v.pipe(v.number(), v.minValue(0)) }))],
  hasLog: [FLAG, v.boolean()],
  code: [FAILURE, failureCode],
  message: [MESSAGE, v.pipe(v.string(), v.maxLength(MAX_MESSAGE))],
  fraction: [FRACTION, v.pipe(v.number(), v.minValue(0), v.maxValue(1))],
  note: [NOTE, v.nullable(v.pipe(v.string(), v.maxLength(MAX_NOTE)))],
}

/** One code's event on the wire, worked out once from the field lists. */
interface WireEvent {
  /** Fields after the code. */
  arity: number
  kinds: number[]
  schema: v.GenericSchema
  /** Items it becomes in the protocol's layout. */
  decodedWidth: number
}

function wireEvent(fields: readonly Field[], decodedWidth: number): WireEvent {
  return {
    arity: fields.length,
    kinds: fields.map((f) => FIELDS[f][0]),
    schema: v.strictTuple(fields.map((f) => FIELDS[f][1])),
    decodedWidth,
  }
}

/** WIRE_OK's decoded events, the wire's values left null, and the slots each WIRE_OK field fills. */
const OK_TEMPLATE: unknown[] = []
const OK_SLOTS: Record<string, number[]> = Object.fromEntries(WIRE_FIELDS[WIRE_OK].map((f) => [f, []]))
for (const [code, values] of WIRE_OK_MEANS) {
  OK_TEMPLATE.push(code)
  for (const field of EVENT_FIELDS[code]) {
    if (!(field in values)) throw new Error(`WIRE_OK_MEANS gives no ${field} for event ${code}`)
    const value = values[field]
    if (typeof value !== 'string') OK_TEMPLATE.push(value)
    else if (!OK_SLOTS[value]) throw new Error(`WIRE_OK has no field ${value}`)
    else OK_SLOTS[value].push(OK_TEMPLATE.push(null) - 1)
  }
}
// Written out for the decoder, which fills them with no look-ups per job: a WIRE_OK's id goes
// to both events, its times to one each.
const [OK_ID_SLOT_1, OK_ID_SLOT_2, ...more] = OK_SLOTS.id!
if (OK_ID_SLOT_2 === undefined || more.length || OK_SLOTS.startedAt!.length !== 1 || OK_SLOTS.at!.length !== 1)
  throw new Error('WIRE_OK_MEANS is not a start and an end of one job')
const OK_STARTED_SLOT = OK_SLOTS.startedAt![0]!
const OK_ENDED_SLOT = OK_SLOTS.at![0]!
const OK_WIDTH = OK_TEMPLATE.length
/** Where a WIRE_OK's fields sit on the wire. */
const OK_ID = 1 + WIRE_FIELDS[WIRE_OK].indexOf('id')
const OK_STARTED = 1 + WIRE_FIELDS[WIRE_OK].indexOf('startedAt')
const OK_ENDED = 1 + WIRE_FIELDS[WIRE_OK].indexOf('at')

/** By code (the protocol's that reports carry, and the wire's own); null: not a code of the wire. */
const WIRE_EVENTS: (WireEvent | null)[] = Array.from({ length: WIRE_OK + 1 }, () => null)
for (const code of REPORTED) WIRE_EVENTS[code] = wireEvent(EVENT_FIELDS[code], 1 + EVENT_FIELDS[code].length)
WIRE_EVENTS[WIRE_BASE] = wireEvent(WIRE_FIELDS[WIRE_BASE], 0)
WIRE_EVENTS[WIRE_OK] = wireEvent(WIRE_FIELDS[WIRE_OK], OK_WIDTH)
if (WIRE_BASE <= MAX_EVENT_CODE) throw new Error("the wire-only codes must lie above the protocol's")

const FAILURE_CODES: ReadonlySet<unknown> = new Set(failureCode.options)
const isTime = (x: unknown) => typeof x === 'number' && x >= 0
const isResultFile = (x: unknown) =>
  x === null ||
  (typeof x === 'object' &&
    Object.keys(x).length === 2 &&
    typeof (x as { file?: unknown }).file === 'string' &&
    isTime((x as { bytes?: unknown }).bytes))

/**
 * The same checks as the fields' schemas, written out, on the wire's values (times as offsets
 * from `base`): a pack of 1,000 jobs brings 2,000 events, and this runs on the controller's
 * loop. Only an event that fails them goes through valibot, for the message.
 */
function passes(e: unknown[], i: number, kinds: number[], base: number): boolean {
  for (let k = 0; k < kinds.length; k++) {
    const x = e[i + 1 + k]
    switch (kinds[k]) {
      case ID:
        if (!(Number.isInteger(x) && (x as number) >= 1)) return false
        break
      case OFFSET:
        // Checked as the absolute time it stands for (a clock set back while a pack ran gives a
        // negative offset, which is fine as long as the time it names is not).
        if (!(typeof x === 'number' && base + x >= 0)) return false
        break
      case TIME:
        if (!isTime(x)) return false
        break
      case RESULT_FILE:
        if (!isResultFile(x)) return false
        break
      case FLAG:
        if (typeof x !== 'boolean') return false
        break
      case FAILURE:
        if (!FAILURE_CODES.has(x)) return false
        break
      case MESSAGE:
        if (!(typeof x === 'string' && x.length <= MAX_MESSAGE)) return false
        break
      case FRACTION:
        if (!(typeof x === 'number' && x >= 0 && x <= 1)) return false
        break
      case NOTE:
        if (!(x === null || (typeof x === 'string' && x.length <= MAX_NOTE))) return false
        break
    }
  }
  return true
}

/** Event `e[i..]`'s fields with its times made absolute (a copy: the input is never written). */
function fieldsAt(e: unknown[], i: number, event: WireEvent, base: number): unknown[] {
  const fields = e.slice(i + 1, i + 1 + event.arity)
  for (let k = 0; k < fields.length; k++)
    if (event.kinds[k] === OFFSET && typeof fields[k] === 'number') fields[k] = base + (fields[k] as number)
  return fields
}

/** Why event `e[i..]` fails valibot's check, with the index of its field in the run; null: it passes. */
function problemOf(e: unknown[], i: number, event: WireEvent, base: number): FieldProblem | null {
  const parsed = safeParseProblems(event.schema, fieldsAt(e, i, event, base))
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
  let base = 0
  let decodedLength = 0
  let i = 0
  while (i < e.length) {
    const code = e[i]
    const event = typeof code === 'number' ? WIRE_EVENTS[code] : undefined
    if (!event) return { ok: false, problem: { field: `at index ${i}`, message: `unknown event code ${JSON.stringify(code)}` } }
    if (code === WIRE_BASE || code === WIRE_OK) compact = true
    if (!(i + event.arity < e.length && passes(e, i, event.kinds, base))) {
      const problem = problemOf(e, i, event, base)
      if (problem) return { ok: false, problem }
    }
    if (code === WIRE_BASE) base = e[i + 1] as number
    decodedLength += event.decodedWidth
    i += 1 + event.arity
  }
  if (!compact) return { ok: true, events: e }
  // Sized once: an array grown push by push copies itself as it grows.
  const out: unknown[] = new Array(decodedLength)
  let n = 0
  base = 0
  for (let k = 0; k < e.length;) {
    const code = e[k] as number
    const event = WIRE_EVENTS[code]!
    if (code === WIRE_BASE) base = e[k + 1] as number
    else if (code === WIRE_OK) {
      for (let t = 0; t < OK_WIDTH; t++) out[n + t] = OK_TEMPLATE[t]
      const id = e[k + OK_ID]
      out[n + OK_ID_SLOT_1] = id
      out[n + OK_ID_SLOT_2] = id
      out[n + OK_STARTED_SLOT] = base + (e[k + OK_STARTED] as number)
      out[n + OK_ENDED_SLOT] = base + (e[k + OK_ENDED] as number)
      n += OK_WIDTH
    } else {
      out[n++] = code
      for (let f = 0; f < event.arity; f++) {
        const x = e[k + 1 + f]
        out[n++] = event.kinds[f] === OFFSET ? base + (x as number) : x
      }
    }
    k += 1 + event.arity
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
