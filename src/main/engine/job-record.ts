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

export class JobRecord {
  readonly id: number
  readonly batchId: number
  readonly kind: string
  readonly params: Record<string, unknown>
  readonly lane: Lane
  readonly executor: ExecutorType
  priority: number
  /** Order of arrival within a priority. */
  seq: number
  state: JobState = 'queued'
  attempts = 0
  readonly maxRetries: number
  readonly timeoutMs: number
  readonly memoryMb: number
  progress = 0
  note: string | null = null
  /** The worker it was handed to, while it is there. */
  workerId = 0
  /** The last worker it ran on, kept after it finishes so timelines can place it. */
  lastWorkerId = 0
  /** The machine its last attempt ran on (null: this one). */
  machine: string | null = null
  /** Milliseconds since the engine's epoch (small integers stay unboxed). */
  createdAt: number
  startedAt = NO_TIME
  endedAt = NO_TIME
  result: unknown = undefined
  resultFile: ResultFileRef | null = null
  error: JobError | null = null
  hasLog = false
  customName: string | null
  /** Why the engine is stopping it, while it waits for the worker to confirm. */
  stopping: 'cancel' | 'timeout' | null = null
  /** Its params are in the database already (they never change, so they are written once). */
  persisted = false
  /** Ids of the jobs of its batch it waits for (batch-dependencies.ts), or null. Written once, as params. */
  after: number[] | null = null
  /** The position of the template input it was made from (a streamed batch's jobs), or -1. */
  inputIndex = -1
  /** Set while it is being stopped to go back to the queue (--mem-free), with the reason it will show. */
  requeueReason: string | null = null

  constructor(
    id: number,
    batchId: number,
    seq: number,
    createdAt: number,
    spec: {
      kind: string
      params: Record<string, unknown>
      lane: Lane
      executor: ExecutorType
      priority: number
      timeoutMs: number
      maxRetries: number
      memoryMb: number
      name: string | null
    },
  ) {
    this.id = id
    this.batchId = batchId
    this.seq = seq
    this.createdAt = createdAt
    this.kind = spec.kind
    this.params = spec.params
    this.lane = spec.lane
    this.executor = spec.executor
    this.priority = spec.priority
    this.timeoutMs = spec.timeoutMs
    this.maxRetries = spec.maxRetries
    this.memoryMb = spec.memoryMb
    this.customName = spec.name
  }

  /** Waiting in its lane's queue (not yet handed to a worker). */
  get waiting(): boolean {
    return this.state === 'queued' && this.workerId === 0
  }

  get name(): string {
    return this.customName ?? `${this.kind} #${this.id}`
  }

  toView(epoch: number, logDir: string): JobView {
    return buildJobView(
      this,
      this.customName,
      this.workerId || this.lastWorkerId || null,
      epoch + this.createdAt,
      this.startedAt !== NO_TIME ? epoch + this.startedAt : null,
      this.endedAt !== NO_TIME ? epoch + this.endedAt : null,
      logDir,
      this.after,
    )
  }

  /** A new job from a checked spec: the lane and executor default to the kind's. */
  static fromSpec(spec: JobSpec, id: number, batchId: number, seq: number, createdAt: number): JobRecord {
    // A template's jobs share one spec object (checked specs are never changed afterwards):
    // its options are worked out once, not per job.
    if (spec !== lastSpec) {
      lastOptions = optionsOf(spec)
      lastSpec = spec
    }
    return new JobRecord(id, batchId, seq, createdAt, lastOptions!)
  }

  /** A finished job run again from scratch (retry): its last outcome is forgotten. */
  resetForRetry(seq: number): void {
    this.attempts = 0
    this.error = null
    this.result = undefined
    this.resultFile = null
    this.progress = 0
    this.note = null
    this.startedAt = NO_TIME
    this.endedAt = NO_TIME
    this.seq = seq
  }

  /**
   * Handed to an executor that never reported its start within timeoutMs + grace (the hand-off
   * watchdog, stop-control.ts): that executor is stuck and is ended, and the attempt counts as
   * timed out once its exit is applied (worker-reports.ts: retried while retries remain).
   */
  stuckOn(executorId: number): void {
    this.attempts++
    this.lastWorkerId = executorId
    this.stopping = 'timeout'
  }

  /** A job as it was stored (restore after a restart): the other half of toRow. */
  static fromRow(row: StoredJob, epoch: number): JobRecord {
    const job = new JobRecord(row.id, row.batchId, row.seq, row.createdAt - epoch, {
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
  }
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

type RecordOptions = ConstructorParameters<typeof JobRecord>[4]

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
