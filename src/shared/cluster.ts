// Every message that crosses Redis between a controller and its agents, as valibot schemas:
// the pack of jobs a BullMQ job carries, the events agents send back (as BullMQ progress
// data and return values), the control messages (cancel, limits) and the telemetry. Anything
// read from Redis is parsed with these first, so a bad message is refused with the field it
// got wrong and never reaches the engine (or crashes an agent).
import * as v from 'valibot'
import { safeParseProblems, type FieldProblem } from './validate.ts'

/** The protocol's event codes (src/main/engine/worker/protocol.ts), repeated here because src/shared imports nothing. */
const EV = { STARTED: 1, DONE: 2, FAILED: 3, PROGRESS: 4, DROPPED: 5, STARTED_ENDED: 6 } as const

const jobId = v.pipe(v.number(), v.integer(), v.minValue(1))
const time = v.pipe(v.number(), v.minValue(0))
const name = v.pipe(v.string(), v.minLength(1), v.maxLength(120), v.regex(/^[\w.@-]+$/, 'letters, digits, . _ - @ only'))

/** A controller's id: names its BullMQ jobs (`<controller>-<pack>`) and its cancel set. */
export const ControllerIdSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(120),
  v.regex(/^[\w.]+$/, 'letters, digits, . _ only'),
)
export const AgentNameSchema = name

const jobFields = [
  jobId,
  v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  v.record(v.string(), v.unknown()),
  v.pipe(v.number(), v.integer(), v.minValue(0)),
] as const

/**
 * One job of a pack: the protocol's JobMessage [id, kind, params, attempt], and its memory
 * ceiling in MiB when it has one (the bounds of a job's `memoryMb`).
 */
const JobMessageSchema = v.strictTuple([
  ...jobFields,
  v.optional(v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(1 << 20))),
])

/** The data of one BullMQ job: many short jobs, or one long one. */
export const PackSchema = v.strictObject({
  v: v.literal(1),
  controller: ControllerIdSchema,
  pack: v.pipe(v.number(), v.integer(), v.minValue(1)),
  jobs: v.pipe(v.array(JobMessageSchema), v.minLength(1), v.maxLength(10_000)),
  /**
   * Long work (its kind's learned cost, or a kind never measured): an agent takes such a pack
   * only when it can start it, never one more behind a running long pack. Absent: short.
   */
  long: v.optional(v.boolean()),
})
export type Pack = v.InferOutput<typeof PackSchema>

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

/** The fields after the code of each event type, in the protocol's order. */
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
}

const FAILURE_CODES: ReadonlySet<unknown> = new Set(failureCode.options)
const isId = (x: unknown) => Number.isInteger(x) && (x as number) >= 1
const isTime = (x: unknown) => typeof x === 'number' && x >= 0
const isResultFile = (x: unknown) =>
  x === null ||
  (typeof x === 'object' &&
    Object.keys(x).length === 2 &&
    typeof (x as { file?: unknown }).file === 'string' &&
    isTime((x as { bytes?: unknown }).bytes))

/**
 * The same checks as EVENT_FIELDS, written out: a pack of 1,000 jobs brings 2,000 events, and
 * this runs on the controller's loop. Only an event that fails them goes through valibot, for
 * the message.
 */
const FAST_CHECKS: Record<number, (e: unknown[], i: number) => boolean> = {
  [EV.STARTED]: (e, i) => isId(e[i + 1]) && isTime(e[i + 2]),
  [EV.STARTED_ENDED]: (e, i) => isId(e[i + 1]) && isTime(e[i + 2]),
  [EV.DONE]: (e, i) => isId(e[i + 1]) && isTime(e[i + 2]) && isResultFile(e[i + 4]) && typeof e[i + 5] === 'boolean',
  [EV.FAILED]: (e, i) =>
    isId(e[i + 1]) &&
    isTime(e[i + 2]) &&
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
}

/** Checks a flat run of protocol events field by field; the first problem names its index in the run. */
function checkFlatEvents(e: unknown[]): FieldProblem | null {
  let i = 0
  while (i < e.length) {
    const fields = EVENT_FIELDS[e[i] as number]
    if (!fields) return { field: `at index ${i}`, message: `unknown event code ${JSON.stringify(e[i])}` }
    const arity = (fields as unknown as { items: unknown[] }).items.length
    if (i + arity < e.length && FAST_CHECKS[e[i] as number]!(e, i)) {
      i += 1 + arity
      continue
    }
    const parsed = safeParseProblems(fields, e.slice(i + 1, i + 1 + arity))
    if (!parsed.ok) {
      const first = parsed.problems[0]!
      const offset = Number(/^\[(\d+)\]/.exec(first.field)?.[1] ?? -1)
      return { field: `at index ${offset >= 0 ? i + 1 + offset : i}`, message: first.message }
    }
    i += 1 + arity
  }
  return null
}

// An array taken as it is (v.array(v.unknown()) would copy it item by item, with an object per
// item: a third of all the controller allocated while 100,000 remote jobs flowed, and the
// young-generation collections that came with it held its loop); checkFlatEvents checks each item.
const FlatEventsSchema = v.pipe(
  v.custom<unknown[]>(Array.isArray, 'must be an array of events'),
  v.maxLength(1_000_000),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const problem = checkFlatEvents(dataset.value)
    if (problem) addIssue({ message: `${problem.field}: ${problem.message}` })
  }),
)

/** The longest log tail a report may carry (UTF-16 units; an agent sends 256 KiB of bytes at most). */
const MAX_SHIPPED_LOG = 1 << 20

/**
 * A shipped log: [job id, the log's tail, where its stderr is]. The third part is the tail's
 * stderr stretches as a flat run of [start, end) offsets in the text (UTF-16 units, so the
 * controller re-encodes the text itself and no byte offset can land inside a character),
 * sorted and apart (each starts after the last one ended); none or left out: all stdout.
 * Stretches apart within the text are at most about text.length / 2, which bounds the run.
 */
const ShippedLogSchema = v.pipe(
  v.strictTuple([
    jobId,
    v.pipe(v.string(), v.maxLength(MAX_SHIPPED_LOG)),
    v.optional(v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(0))), v.maxLength(MAX_SHIPPED_LOG + 2))),
  ]),
  v.check(([, text, stderr = []]) => {
    if (stderr.length % 2 !== 0) return false
    for (let i = 0; i < stderr.length; i += 2) {
      if (!(stderr[i]! < stderr[i + 1]! && stderr[i + 1]! <= text.length && (i === 0 || stderr[i]! > stderr[i - 1]!)))
        return false
    }
    return true
  }, 'stderr must be pairs of [start, end) offsets in the text, sorted and apart'),
)

/**
 * What an agent reports for a pack: a job's progress data (sent while it runs) and its
 * return value (every job's end, the authoritative copy). `logs` carries the tail of each
 * ended job's log, with which parts of it came from stderr, so the controller can keep it
 * under its own data folder as a local job's log (log-streams.ts's sidecar).
 */
export const AgentReportSchema = v.strictObject({
  agent: name,
  e: FlatEventsSchema,
  logs: v.optional(v.array(ShippedLogSchema), []),
})
export type ShippedLog = v.InferOutput<typeof ShippedLogSchema>
export type AgentReport = v.InferOutput<typeof AgentReportSchema>

const slots = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max))

/** Published on the control channel: every agent reads every message and acts on its own share. */
export const ControlSchema = v.variant('t', [
  v.strictObject({
    t: v.literal('cancel'),
    controller: ControllerIdSchema,
    ids: v.pipe(v.array(jobId), v.minLength(1), v.maxLength(100_000)),
    reason: v.picklist(['cancel', 'timeout']),
  }),
  v.strictObject({
    t: v.literal('limits'),
    /** null: every agent. */
    agent: v.nullable(name),
    cpuSlots: v.optional(slots(1024)),
    ioConcurrency: v.optional(slots(100_000)),
  }),
])
export type ControlMessage = v.InferOutput<typeof ControlSchema>

/** One agent's live state, published every second (and kept in a Redis hash for `corelane agents`). */
export const TelemetrySchema = v.strictObject({
  v: v.literal(1),
  name,
  host: v.pipe(v.string(), v.maxLength(255)),
  pid: v.pipe(v.number(), v.integer()),
  state: v.picklist(['ready', 'leaving']),
  startedAt: time,
  at: time,
  /** Busy percentage of each core since the previous sample. */
  cores: v.pipe(v.array(v.pipe(v.number(), v.minValue(0), v.maxValue(100))), v.maxLength(4096)),
  memUsed: v.pipe(v.number(), v.minValue(0)),
  memTotal: v.pipe(v.number(), v.minValue(0)),
  cpuSlots: slots(1024),
  ioConcurrency: slots(100_000),
  /** Packs it takes at once (the BullMQ worker's concurrency). */
  concurrency: slots(1_000_000),
  running: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Some of the jobs it runs, each with the core its worker is on (null: not known yet, or not Linux). */
  jobs: v.pipe(
    v.array(
      v.strictObject({
        controller: ControllerIdSchema,
        id: jobId,
        kind: v.string(),
        core: v.nullable(v.pipe(v.number(), v.integer())),
      }),
    ),
    v.maxLength(256),
  ),
  allow: v.strictObject({ shell: v.boolean(), script: v.boolean() }),
  jobsDone: v.pipe(v.number(), v.integer(), v.minValue(0)),
})
export type AgentTelemetry = v.InferOutput<typeof TelemetrySchema>

/** An agent as a controller or `corelane agents` sees it: its last telemetry and whether it is still heard. */
export interface MachineView extends AgentTelemetry {
  /** Not heard for longer than AGENT_GONE_MS. */
  gone: boolean
}

/** A host's link to the cluster its settings name (`clusterRedisUrl`). */
export interface ClusterLinkStatus {
  /** off: no URL set; connecting: the first try; linked: jobs may go to agents; unreachable: tried again every few seconds. */
  state: 'off' | 'connecting' | 'linked' | 'unreachable'
  /** The Redis URL with its password masked (null when off). */
  url: string | null
  /** Why it is not linked (the Redis answer or the network's), when unreachable. */
  error: string | null
}

/** An agent unheard for this long is shown as gone (it publishes every second). */
export const AGENT_GONE_MS = 5000

/** Parses a JSON text read from Redis; `what` names the message in the error. */
export function parseClusterMessage<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): { ok: true; value: v.InferOutput<S> } | { ok: false; error: string } {
  let value = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch (error) {
      return { ok: false, error: `not JSON (${(error as Error).message})` }
    }
  }
  const parsed = safeParseProblems(schema, value)
  if (parsed.ok) return parsed
  return { ok: false, error: parsed.problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ') }
}
