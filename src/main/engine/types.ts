// The engine's public surface: what the CLI, the web-mode server, the Electron bridge,
// the benches and the tests program against.
import type { BatchView, EngineLimits, EngineStats, JobSpec, JobState, JobView, WorkerView } from '../../shared/job.ts'
import type { SubmitResult } from '../../shared/contract.ts'
import type { LogTail } from './read-log.ts'
import type { Executor } from './executors/executor.ts'
import type { ProcessHost } from './executors/process-host.ts'
import type { ExecutorFactory } from './executors/worker-pool.ts'
import type { JobStore, LoadedState } from './store/job-store.ts'
import type { AdmissionSource } from './admission.ts'
import type { BatchRow } from './store/rows.ts'
import type { StreamHandle, StreamRequest } from './stream-intake.ts'

export interface EngineOptions {
  /** Folder for job logs and large results. */
  dataDir: string
  /**
   * CPU-lane slots, shared by thread and process workers. Default: os.availableParallelism().
   * 0 (and ioConcurrency 0): nothing runs here, every job goes to executors added from outside
   * (a controller that leaves all the work to its cluster's agents, as the cluster tests and bench do).
   */
  cpuSlots?: number
  /** Concurrent jobs on the I/O lane. Default 1000. */
  ioConcurrency?: number
  /** How child processes are started: `child_process.fork` on Node, `utilityProcess.fork` in Electron. */
  processHost?: ProcessHost
  /** Pin CPU workers to cores with `taskset` (Linux only). */
  pinning?: boolean
  /** After a cancel or timeout, how long a running job may take to stop before its worker is terminated (default 5 s, longer than the shell kind's own SIGTERM-then-SIGKILL escalation). */
  graceMs?: number
  /** First retry delay; doubles each attempt. */
  retryBackoffMs?: number
  /** How often batched change events are delivered to subscribers. Default 250 ms. */
  eventIntervalMs?: number
  /**
   * Where workers keep Node's compile cache (module.enableCompileCache): the TypeScript-stripped
   * source and V8 code of the worker modules, keyed by content and Node version, so it is never
   * stale. A worker started on plain Node then skips loading the type stripper, which costs it
   * about as much as the rest of its start-up. Default `<dataDir>/compile-cache`; null: off.
   */
  compileCacheDir?: string | null
  /** Override the worker entry modules (the Electron build passes its bundled files). */
  workerEntries?: { thread?: string | URL; process?: string }
  /** Start paused (nothing is dispatched until resume()). */
  paused?: boolean
  /** Persist jobs and batches here (written in batches every 100 ms). The owner opens and closes it. */
  store?: JobStore
  /**
   * Where --max-load and --mem-free read the machine's load and free memory. Default: this
   * machine (admission-source.ts), sampled only while a batch uses them. Tests inject one.
   */
  admissionSource?: () => AdmissionSource
}

export interface RestoreOptions {
  /** Bring back only these batches' jobs (the CLI's --resume); default: every loaded job. */
  batches?: number[]
}

export interface SubmitRequest {
  name?: string
  /** Where the batch came from (e.g. a batch file's absolute path), kept for --resume. */
  source?: string
  jobs?: unknown[]
  template?: unknown
  inputs?: unknown[]
  count?: number
  /** Options merged under every job's own. */
  defaults?: Partial<Omit<JobSpec, 'kind' | 'params'>>
  /** Time between two of the batch's job starts: ms, or with a unit (GNU parallel --delay). */
  delay?: number | string
  /** No new CPU job of the batch while the load is at or above this (GNU parallel --load). */
  maxLoad?: number
  /** No new job of the batch while free memory is below this: bytes, or 2G (GNU parallel --memfree). */
  memFree?: number | string
}

export interface JobFilter {
  state?: JobState
  batchId?: number
  offset?: number
  limit?: number
}

/** One coalesced delivery of everything that changed since the previous one. */
export interface EngineChanges {
  jobs: JobView[]
  removed: number[]
  workers: WorkerView[] | null
  batches: BatchView[] | null
  stats: EngineStats | null
}

export interface Engine {
  /** Validates and queues jobs (explicit list, or a template over inputs/count) as one batch. */
  submit(request: SubmitRequest): Promise<SubmitResult>
  /**
   * Validates and queues more jobs in an existing batch: a streamed batch's next chunk, or a
   * resumed one's. `batch` is its row (from a submit of this engine or from the store), so a
   * batch whose jobs have all left memory comes back. See docs/architecture.md, "Streaming
   * batches".
   */
  appendToBatch(batch: BatchRow, request: Pick<SubmitRequest, 'jobs' | 'defaults'>): Promise<SubmitResult>
  /**
   * One batch pulled from a stream of checked specs (streamSubmission's output): the engine
   * reads the next spec only while fewer than `window` of the batch's jobs are unfinished,
   * and drops finished jobs from memory as it goes. cancelBatch stops the reading. See
   * stream-intake.ts and docs/architecture.md, "Streaming batches".
   */
  submitStream(request: StreamRequest): StreamHandle
  /** Queues one job and resolves with its final view. */
  run(spec: JobSpec): Promise<JobView>
  /**
   * Gives an existing batch start gates (--delay, --max-load, --mem-free), e.g. a batch brought
   * back by --resume, whose gates belonged to the run that submitted it.
   */
  gateBatch?(batchId: number, gates: Pick<SubmitRequest, 'delay' | 'maxLoad' | 'memFree'>): void
  /** Resolves when these jobs (default: all) have reached a terminal state. */
  whenSettled(ids?: number[]): Promise<void>
  cancel(ids: number[]): number
  retry(ids: number[]): number
  /**
   * Finished jobs leave memory (their rows stay in the store). By default (the user's "Clear
   * finished") the batches forget them too and a batch with nothing left goes; with
   * keepBatchCounts (a streamed batch's intake freeing memory) every batch still counts them;
   * with batchId only that batch's finished jobs leave.
   */
  clearFinished(options?: { keepBatchCounts?: boolean; batchId?: number }): number
  /**
   * Cancels every unfinished job of a batch that the engine holds (queued, held by a batch
   * pause, retrying or running) and refuses later appends to it; tells onBatchCancelled's
   * listeners (a stream's reading stops). Throws a ValidationError naming `batchId` for
   * an unknown batch. Returns how many jobs were cancelled.
   */
  cancelBatch(batchId: number): number
  /** Calls `listener` with each batch cancelled by cancelBatch; returns an unsubscribe function. */
  onBatchCancelled(listener: (batchId: number) => void): () => void
  pause(): EngineStats
  resume(): EngineStats
  setLimits(patch: Partial<EngineLimits>): EngineStats
  /**
   * Pauses or resumes one batch: while paused its queued jobs are not started (running ones
   * finish) and other batches run as before. Throws a ValidationError naming `batchId` for an
   * unknown batch. Not persisted: after a restart the batch comes back unpaused.
   */
  setBatchPaused(batchId: number, paused: boolean): BatchView
  getJob(id: number): JobView | undefined
  listJobs(filter?: JobFilter): { total: number; jobs: JobView[] }
  workers(): WorkerView[]
  batches(): BatchView[]
  stats(): EngineStats
  /**
   * Coalesced change feed; returns an unsubscribe function. With `newestJobs`, the listener
   * needs views of the newest that-many jobs only, and the engine builds no others.
   */
  subscribe(listener: (changes: EngineChanges) => void, options?: { newestJobs?: number }): () => void
  /** Called once per job as it reaches a terminal state (including after its last retry). */
  onJobSettled(listener: (job: JobView) => void): () => void
  readLog(id: number, maxBytes?: number): Promise<LogTail>
  /**
   * Terminates a worker at once, as a crash would: the job it was running fails (or retries),
   * its queued jobs go back to the queue, and a new worker takes its place. For demos and fault tests.
   */
  killWorker(id: number): boolean
  /**
   * Adds an executor from outside (a remote machine): `create` is given the id it must use and
   * the hooks it reports through (hello, events in the protocol's layout, exit). The balancer
   * hands it jobs up to its capacity once this machine's slots are taken; when it reports its
   * exit, the jobs it held are put back or failed as after a worker crash.
   */
  addExecutor(create: ExecutorFactory): Executor
  /** Refreshes each worker's current core and CPU time from /proc (Linux); no-op elsewhere. */
  sampleWorkers(): Promise<WorkerView[]>
  /**
   * Brings back jobs loaded from the store, before anything is submitted: finished jobs keep
   * their results; jobs that were queued stay queued; jobs that were running (or waiting to
   * retry) when the process died come back as `interrupted`, to be requeued with retry().
   */
  restore(state: LoadedState, options?: RestoreOptions): { restored: number; interrupted: number[] }
  /** Resolves once every change so far is committed to the store (no-op without one). */
  flushStore(): Promise<void>
  /** Stops every worker; running jobs end as cancelled. */
  close(): Promise<void>
}
