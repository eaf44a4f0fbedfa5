// The engine's own record of a job. Kept small (a queued job costs a few hundred bytes beyond
// its params): times are stored as integer offsets from the engine's epoch, names are derived.
import type { JobRowTuple, StoredJob } from './store/rows.ts'
import type { ExecutorType, JobError, JobSpec, JobState, JobView, Lane, ResultFileRef } from '../../shared/job.ts'
import { kindCatalog, type KindName } from '../../shared/kinds.ts'
import { executorForCeiling } from './executors/process-host.ts'
import { buildJobView } from './job-view.ts'

/**
 * "No time yet" for startedAt and endedAt. Times are offsets from the engine's epoch, and a
 * job restored from the database has negative ones, so the marker is the smallest small
 * integer rather than -1 (small integers keep the fields unboxed).
 */
export const NO_TIME = -(2 ** 31)

/**
 * A job's record is a plain object (made in one place, newRecord below) with the functions
 * that read and change it beside it, not a class instance: see newRecord for why.
 */
export interface JobRecord {
  readonly id: number
  readonly batchId: number
  readonly kind: string
  readonly params: Record<string, unknown>
  readonly lane: Lane
  readonly executor: ExecutorType
  priority: number
  /** Order of arrival within a priority. */
  seq: number
  state: JobState
  attempts: number
  readonly maxRetries: number
  readonly timeoutMs: number
  readonly memoryMb: number
  progress: number
  note: string | null
  /** The worker it was handed to, while it is there. */
  workerId: number
  /** The last worker it ran on, kept after it finishes so timelines can place it. */
  lastWorkerId: number
  /** The machine its last attempt ran on (null: this one). */
  machine: string | null
  /** Milliseconds since the engine's epoch (small integers stay unboxed). */
  createdAt: number
  startedAt: number
  endedAt: number
  result: unknown
  resultFile: ResultFileRef | null
  error: JobError | null
  hasLog: boolean
  customName: string | null
  /** Why the engine is stopping it, while it waits for the worker to confirm. */
  stopping: 'cancel' | 'timeout' | null
  /** Its params are in the database already (they never change, so they are written once). */
  persisted: boolean
  /** Ids of the jobs of its batch it waits for (batch-dependencies.ts), or null. Written once, as params. */
  after: number[] | null
  /** The position of the template input it was made from (a streamed batch's jobs), or -1. */
  inputIndex: number
  /** Set while it is being stopped to go back to the queue (--mem-free), with the reason it will show. */
  requeueReason: string | null
}

/** Waiting in its lane's queue (not yet handed to a worker). */
export function isWaiting(job: JobRecord): boolean {
  return job.state === 'queued' && job.workerId === 0
}

export function jobName(job: JobRecord): string {
  return job.customName ?? `${job.kind} #${job.id}`
}

export function recordView(job: JobRecord, epoch: number, logDir: string): JobView {
  return buildJobView(
    job,
    job.customName,
    job.workerId || job.lastWorkerId || null,
    epoch + job.createdAt,
    job.startedAt !== NO_TIME ? epoch + job.startedAt : null,
    job.endedAt !== NO_TIME ? epoch + job.endedAt : null,
    logDir,
    job.after,
  )
}

/** A finished job run again from scratch (retry): its last outcome is forgotten. */
export function resetForRetry(job: JobRecord, seq: number): void {
  job.attempts = 0
  job.error = null
  job.result = undefined
  job.resultFile = null
  job.progress = 0
  job.note = null
  job.startedAt = NO_TIME
  job.endedAt = NO_TIME
  job.seq = seq
}

/**
 * Handed to an executor that never reported its start within timeoutMs + grace (the hand-off
 * watchdog, stop-control.ts): that executor is stuck and is ended, and the attempt counts as
 * timed out once its exit is applied (worker-reports.ts: retried while retries remain).
 */
export function markStuck(job: JobRecord, executorId: number): void {
  job.attempts++
  job.lastWorkerId = executorId
  job.stopping = 'timeout'
}

/** Where records come from: a checked spec (a new job), or a database row (a restored one). */
export const JobRecord = {
  /** A new job from a checked spec: the lane and executor default to the kind's. */
  fromSpec(spec: JobSpec, id: number, batchId: number, seq: number, createdAt: number): JobRecord {
    // A template's jobs share one spec object (checked specs are never changed afterwards):
    // its options are worked out once, not per job.
    if (spec !== lastSpec) {
      lastOptions = optionsOf(spec)
      lastSpec = spec
    }
    return newRecord(id, batchId, seq, createdAt, lastOptions!)
  },

  /** A job as it was stored (restore after a restart): the other half of toRow. */
  fromRow(row: StoredJob, epoch: number): JobRecord {
    const job = newRecord(row.id, row.batchId, row.seq, row.createdAt - epoch, {
      kind: row.kind,
      params: row.params,
      lane: row.lane,
      executor: row.executor,
      priority: row.priority,
      timeoutMs: row.timeoutMs,
      maxRetries: row.maxRetries,
      memoryMb: row.memoryMb,
      name: row.name,
    })
    job.persisted = true
    job.state = row.state
    job.attempts = row.attempts
    job.progress = row.progress
    job.note = row.note
    job.startedAt = row.startedAt === null ? NO_TIME : row.startedAt - epoch
    job.endedAt = row.endedAt === null ? NO_TIME : row.endedAt - epoch
    job.result = row.result
    job.resultFile = row.resultFile ?? null
    job.error = row.error ?? null
    job.hasLog = row.hasLog
    job.after = row.after ?? null
    job.machine = row.machine
    job.inputIndex = row.inputIndex ?? -1
    return job
  },
}

/** The database row of a job (see store/rows.ts); params only on the first write. */
export function toRow(job: JobRecord, epoch: number): JobRowTuple {
  const row: JobRowTuple = [
    job.id,
    job.batchId,
    job.customName,
    job.kind,
    job.persisted ? null : JSON.stringify(job.params),
    job.lane,
    job.executor,
    job.priority,
    job.state,
    job.attempts,
    job.maxRetries,
    job.timeoutMs,
    job.memoryMb,
    job.progress,
    job.note,
    epoch + job.createdAt,
    job.startedAt !== NO_TIME ? epoch + job.startedAt : null,
    job.endedAt !== NO_TIME ? epoch + job.endedAt : null,
    job.result === undefined ? null : JSON.stringify(job.result),
    job.resultFile ? JSON.stringify(job.resultFile) : null,
    job.error ? JSON.stringify(job.error) : null,
    job.hasLog ? 1 : 0,
    job.seq,
    job.persisted || !job.after ? null : JSON.stringify(job.after),
    job.machine,
    job.inputIndex >= 0 ? job.inputIndex : null,
  ]
  job.persisted = true
  return row
}

/** What a record takes from its spec (or its row). */
interface RecordOptions {
  kind: string
  params: Record<string, unknown>
  lane: Lane
  executor: ExecutorType
  priority: number
  timeoutMs: number
  maxRetries: number
  memoryMb: number
  name: string | null
}

/**
 * Every record comes from this one object literal, on purpose. V8 tracks a literal's
 * allocation site, sees that its objects outlive their first collections, and from then on
 * makes them in the old generation directly (allocation-site pretenuring). Instances of a
 * class have no such site (nor does a literal with a prototype, which is also made slowly):
 * each went through the young generation, and queueing 100,000 jobs copied them all there,
 * in scavenges of 10-20 ms that stalled the engine's loop.
 */
function newRecord(id: number, batchId: number, seq: number, createdAt: number, o: RecordOptions): JobRecord {
  return {
    id,
    batchId,
    kind: o.kind,
    params: o.params,
    lane: o.lane,
    executor: o.executor,
    priority: o.priority,
    seq,
    state: 'queued',
    attempts: 0,
    maxRetries: o.maxRetries,
    timeoutMs: o.timeoutMs,
    memoryMb: o.memoryMb,
    progress: 0,
    note: null,
    workerId: 0,
    lastWorkerId: 0,
    machine: null,
    createdAt,
    startedAt: NO_TIME,
    endedAt: NO_TIME,
    result: undefined,
    resultFile: null,
    error: null,
    hasLog: false,
    customName: o.name,
    stopping: null,
    persisted: false,
    after: null,
    inputIndex: -1,
    requeueReason: null,
  }
}

let lastSpec: JobSpec | null = null
let lastOptions: RecordOptions | null = null

function optionsOf(spec: JobSpec): RecordOptions {
  const info = kindCatalog[spec.kind as KindName]
  return {
    kind: spec.kind,
    params: spec.params,
    lane: spec.lane ?? info.lane,
    // A memory ceiling routes an `auto` job to a process, where the OS can hold it (process-host.ts).
    executor: executorForCeiling(spec.executor, info.executor, spec.memoryMb),
    priority: spec.priority ?? 0,
    timeoutMs: spec.timeoutMs ?? 0,
    maxRetries: spec.retries ?? 0,
    memoryMb: spec.memoryMb ?? 0,
    name: spec.name ?? null,
  }
}
