// Every message that crosses Redis between a controller and its agents, as valibot schemas:
// the pack of jobs a BullMQ job carries, the events agents send back (as BullMQ progress
// data and return values), the control messages (cancel, limits) and the telemetry. Anything
// read from Redis is parsed with these first, so a bad message is refused with the field it
// got wrong and never reaches the engine (or crashes an agent).
import * as v from 'valibot'
import { ReportEventsSchema } from './report-events.ts'
import { problemsText, safeParseProblems } from './validate.ts'

export { WIRE_BASE, WIRE_OK } from './report-events.ts'

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

/** PackSchema with its jobs left unchecked: parsePack checks those itself. */
const PackHeadSchema = v.strictObject({
  ...PackSchema.entries,
  jobs: v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(10_000)),
})

/** Params valibot's record would copy as they are: a plain object with none of the keys it leaves out. */
function isPlainParams(x: unknown): boolean {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false
  for (const key in x)
    if (key === '__proto__' || key === 'prototype' || key === 'constructor' || !Object.hasOwn(x, key)) return false
  return true
}

/** JobMessageSchema's checks, written out. */
function isJobMessage(j: unknown): boolean {
  if (!Array.isArray(j) || (j.length !== 4 && j.length !== 5)) return false
  // Indexed, not destructured: no iterator per job.
  const id: unknown = j[0]
  const kind: unknown = j[1]
  const attempt: unknown = j[3]
  const memoryMb: unknown = j[4]
  return (
    Number.isInteger(id) &&
    (id as number) >= 1 &&
    typeof kind === 'string' &&
    kind.length >= 1 &&
    kind.length <= 100 &&
    isPlainParams(j[2]) &&
    Number.isInteger(attempt) &&
    (attempt as number) >= 0 &&
    (j.length === 4 || (Number.isInteger(memoryMb) && (memoryMb as number) >= 16 && (memoryMb as number) <= 1 << 20))
  )
}

/**
 * Reads a pack as PackSchema does, to the same value, with each job checked by hand: valibot
 * on every job of a 1,000-job pack was a tenth of an agent's time on no-ops (a profile). Only
 * a pack with a job that fails the hand checks goes through valibot whole, for its message.
 * (One difference no reader sees: a job without a ceiling keeps its four items, where
 * valibot writes out an undefined fifth.)
 */
export function parsePack(input: unknown): ReturnType<typeof parseClusterMessage<typeof PackSchema>> {
  const head = parseClusterMessage(PackHeadSchema, input)
  if (!head.ok) return parseClusterMessage(PackSchema, input)
  if (!head.value.jobs.every(isJobMessage)) return parseClusterMessage(PackSchema, input)
  return { ok: true, value: head.value as Pack }
}

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
  /** Checked, and decoded from the wire's compact codes to the protocol's layout (report-events.ts). */
  e: ReportEventsSchema,
  logs: v.optional(v.array(ShippedLogSchema), []),
})
export type ShippedLog = v.InferOutput<typeof ShippedLogSchema>
export type AgentReport = v.InferOutput<typeof AgentReportSchema>

/** AgentReportSchema with its logs left to be checked one by one (parseAgentReport). */
const AgentReportEnvelopeSchema = v.strictObject({
  ...AgentReportSchema.entries,
  logs: v.optional(v.array(v.unknown()), []),
})

/**
 * A report as a controller reads it: AgentReportSchema, except that a log that is not valid
 * is dropped and named in `dropped`, and the rest is kept. The events carry the jobs' ends and
 * results; one bad log refusing the whole report would fail every job of its pack.
 */
export function parseAgentReport(
  input: unknown,
): { ok: true; value: AgentReport; dropped: string[] } | { ok: false; error: string } {
  const envelope = parseClusterMessage(AgentReportEnvelopeSchema, input)
  if (!envelope.ok) return envelope
  const logs: ShippedLog[] = []
  const dropped: string[] = []
  const items = envelope.value.logs
  for (let i = 0; i < items.length; i++) {
    const log = safeParseProblems(ShippedLogSchema, items[i], `logs[${i}]`)
    if (log.ok) logs.push(log.value)
    else dropped.push(problemsText(log.problems))
  }
  return { ok: true, value: { agent: envelope.value.agent, e: envelope.value.e, logs }, dropped }
}

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
  return { ok: false, error: problemsText(parsed.problems) }
}
