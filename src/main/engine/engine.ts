// The hybrid scheduler: two lanes (CPU: one slot per core; I/O: many jobs at once inside a
// worker's event loop), two executors (threads, processes) behind one protocol, and the job
// lifecycle queued → running → succeeded | failed | cancelled | timed-out (+ retrying).
//
// Short jobs are sent to workers in batches sized from each kind's recent run time, so the
// per-job cost of a message round trip is shared; long jobs go one at a time, so a slot is
// never held by work queued behind a long job.
import { availableParallelism } from 'node:os'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SubmitResult } from '../../shared/contract.ts'
import {
  emptyCounts,
  type BatchView,
  isTerminal,
  type EngineLimits,
  type EngineStats,
  type ExecutorType,
  type JobError,
  type JobSpec,
  type JobState,
  type JobView,
  type Lane,
  type WorkerView,
} from '../../shared/job.ts'
import { kindCatalog, type KindName } from '../../shared/kinds.ts'
import { Batch } from './batch-tracker.ts'
import { forkProcessHost, type ProcessHost } from './executors/process-host.ts'
import { WorkerHandle, type WorkerExit, type WorkerHooks } from './executors/worker-handle.ts'
import { failureCodeOf, messageOf, resultFileOf, timeOf } from './event-fields.ts'
import { Inbox } from './inbox.ts'
import { isJsonTree } from './json-result.ts'
import { JobQueue } from './job-queue.ts'
import { JobRecord } from './job-record.ts'
import { pinThread, placementNote, placementSupported, readThreadStat } from './placement.ts'
import { yieldToLoop } from './kinds/context.ts'
import { validateSubmission } from './submission.ts'
import { checkJobSpec } from '../../shared/schemas.ts'
import { ValidationError } from '../../shared/validate.ts'
import type { JobStore, LoadedState } from './store/job-store.ts'
import type { BatchRow, JobRowTuple } from './store/rows.ts'
import { NO_TIME, toRow } from './job-record.ts'
import type { EngineChanges, Engine, EngineOptions, JobFilter, RestoreOptions, SubmitRequest } from './types.ts'
import { readEvents, type FailureCode, type JobMessage } from './worker/protocol.ts'

/** A batch sent to one CPU worker aims to keep it busy about this long. */
const TARGET_BATCH_MS = 4
const MAX_BATCH = 512
/** I/O jobs are sent in messages of at most this many. */
const IO_CHUNK = 2048
/** A kind's cost before any run of it has been measured: long, so it is sent one at a time. */
const UNKNOWN_COST_MS = 1e9
const MAX_BACKOFF_MS = 60_000
/** The most job views one change-feed delivery carries (see flushFeed). */
const FEED_MAX_JOBS = 5000
/** The longest the engine applies worker reports before letting its loop run something else. */
const INBOX_SLICE_MS = 4
/** Changed jobs are written to the store at most this often. */
const PERSIST_INTERVAL_MS = 100

export function createEngine(options: EngineOptions): Engine {
  return new CorelaneEngine(options)
}

class CorelaneEngine implements Engine {
  private readonly epoch = Date.now()
  private readonly dataDir: string
  private readonly logDir: string
  private readonly processHost: ProcessHost
  private readonly entries: { thread: string | URL; process: string }
  private readonly graceMs: number
  private readonly retryBackoffMs: number
  private readonly eventIntervalMs: number
  private readonly cores = availableParallelism()
  private limits: EngineLimits
  private paused: boolean
  private closed = false

  private readonly jobs = new Map<number, JobRecord>()
  private readonly queues: Record<Lane, JobQueue<JobRecord>> = { cpu: new JobQueue(), io: new JobQueue() }
  private readonly workerMap = new Map<number, WorkerHandle>()
  private readonly batchMap = new Map<number, Batch>()
  private readonly counts = emptyCounts()
  private nextJobId = 1
  private nextBatchId = 1
  private nextWorkerId = 1
  private nextSeq = 1
  /** CPU-lane workers holding a slot (they have jobs assigned). */
  private busyCpu = 0
  /** I/O-lane jobs handed to workers and not finished. */
  private ioInFlight = 0
  /** Recent run time of each kind, milliseconds (exponentially weighted). */
  private readonly kindCost = new Map<string, number>()
  private dispatchScheduled = false
  private unsettled = 0

  /** Each listener with how many of the newest jobs it follows (Infinity: all). */
  private readonly subscribers = new Map<(changes: EngineChanges) => void, number>()
  /** The widest of those: jobs older than the newest this-many are left out of the feed. */
  private feedWindow = Infinity
  private readonly settledListeners = new Set<(job: JobView) => void>()
  private readonly waiters = new Set<{ ids: Set<number> | null; resolve: () => void }>()
  /** run() callers, by job id. */
  private readonly jobWaiters = new Map<number, (view: JobView) => void>()
  /** The batch that run() jobs share (one per engine, not one per call). */
  private runBatch: Batch | null = null
  private dirtyJobs = new Set<JobRecord>()
  private removedIds: number[] = []
  private workersDirty = false
  private batchesDirty = false
  private statsDirty = false
  private feedTimer: NodeJS.Timeout | null = null
  private readonly store: JobStore | null
  private persistJobs = new Set<JobRecord>()
  private persistBatches = new Set<Batch>()
  private persistTimer: NodeJS.Timeout | null = null
  private readonly inbox = new Inbox(INBOX_SLICE_MS)
  private readonly workerEnv: Record<string, string>

  constructor(options: EngineOptions) {
    this.dataDir = options.dataDir
    this.logDir = join(options.dataDir, 'logs')
    this.processHost = options.processHost ?? forkProcessHost
    this.entries = {
      thread: options.workerEntries?.thread ?? new URL('./worker/thread-entry.ts', import.meta.url),
      process: options.workerEntries?.process ?? fileURLToPath(new URL('./worker/process-entry.ts', import.meta.url)),
    }
    const compileCache = options.compileCacheDir === undefined ? join(options.dataDir, 'compile-cache') : options.compileCacheDir
    this.workerEnv = compileCache ? { NODE_COMPILE_CACHE: compileCache } : {}
    this.graceMs = options.graceMs ?? 5000
    this.retryBackoffMs = options.retryBackoffMs ?? 500
    this.eventIntervalMs = options.eventIntervalMs ?? 250
    this.limits = {
      cpuSlots: options.cpuSlots ?? this.cores,
      ioConcurrency: options.ioConcurrency ?? 1000,
      pinning: (options.pinning ?? false) && placementSupported,
    }
    this.paused = options.paused ?? false
    this.store = options.store ?? null
  }

  // ---- submitting ----------------------------------------------------------------------

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (this.closed) throw new Error('the engine is closed')
    const specs = await validateSubmission(request)
    const batch = this.addBatch(new Batch(this.nextBatchId++, request.name ?? defaultBatchName(specs), request.source ?? null))
    const jobIds: number[] = new Array(specs.length)
    let sliceStart = performance.now()
    for (let i = 0; i < specs.length; i++) {
      const job = this.createJob(specs[i]!, batch.id)
      jobIds[i] = job.id
      if ((i & 255) === 255) {
        batch.add(256)
        if (performance.now() - sliceStart > 1) {
          this.scheduleDispatch()
          await yieldToLoop()
          sliceStart = performance.now()
        }
      }
    }
    batch.add(specs.length & 255)
    this.batchesDirty = true
    this.statsDirty = true
    this.scheduleDispatch()
    this.scheduleFeed()
    return { batchId: batch.id, jobIds }
  }

  private addBatch(batch: Batch): Batch {
    this.batchMap.set(batch.id, batch)
    if (this.store) this.persistBatches.add(batch)
    return batch
  }

  private createJob(spec: JobSpec, batchId: number): JobRecord {
    const info = kindCatalog[spec.kind as KindName]
    const lane = spec.lane ?? info.lane
    const executor: ExecutorType = !spec.executor || spec.executor === 'auto' ? info.executor : spec.executor
    const job = new JobRecord(this.nextJobId++, batchId, this.nextSeq++, Date.now() - this.epoch, {
      kind: spec.kind,
      params: spec.params,
      lane,
      executor,
      priority: spec.priority ?? 0,
      timeoutMs: spec.timeoutMs ?? 0,
      maxRetries: spec.retries ?? 0,
      memoryMb: spec.memoryMb ?? 0,
      name: spec.name ?? null,
    })
    this.jobs.set(job.id, job)
    this.counts.queued++
    this.unsettled++
    this.queues[lane].push(job)
    this.markJob(job)
    return job
  }

  /**
   * One job, awaited: the path a client takes for request/response use (like Piscina's run).
   * Kept lean: checked synchronously, queued in one shared batch, resolved from a per-job map.
   */
  run(spec: JobSpec): Promise<JobView> {
    if (this.closed) return Promise.reject(new Error('the engine is closed'))
    const checked = checkJobSpec(spec, 'job')
    if (!checked.ok) return Promise.reject(new ValidationError(checked.problems))
    if (!this.runBatch || !this.batchMap.has(this.runBatch.id))
      this.runBatch = this.addBatch(new Batch(this.nextBatchId++, 'single jobs'))
    const job = this.createJob(checked.job, this.runBatch.id)
    this.runBatch.add(1)
    this.batchesDirty = this.statsDirty = true
    this.scheduleDispatch()
    return new Promise((resolve) => this.jobWaiters.set(job.id, resolve))
  }

  whenSettled(ids?: number[]): Promise<void> {
    const pending = ids ? new Set(ids.filter((id) => this.isUnsettled(id))) : null
    if (pending ? pending.size === 0 : this.unsettled === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.add({ ids: pending, resolve }))
  }

  private isUnsettled(id: number): boolean {
    const job = this.jobs.get(id)
    return job !== undefined && !isTerminal(job.state)
  }

  // ---- state changes ---------------------------------------------------------------------

  private setState(job: JobRecord, state: JobState): void {
    const from = job.state
    if (from === state) {
      this.markJob(job)
      return
    }
    job.state = state
    this.counts[from]--
    this.counts[state]++
    this.batchMap.get(job.batchId)?.move(from, state)
    this.batchesDirty = true
    this.statsDirty = true
    this.markJob(job)
    const nowTerminal = isTerminal(state)
    if (nowTerminal !== isTerminal(from)) {
      this.unsettled += nowTerminal ? -1 : 1
      if (nowTerminal) this.settled(job)
    }
  }

  private settled(job: JobRecord): void {
    const single = this.jobWaiters.get(job.id)
    if (this.settledListeners.size || single) {
      const view = this.view(job)
      for (const listener of this.settledListeners) listener(view)
      if (single) {
        this.jobWaiters.delete(job.id)
        single(view)
      }
    }
    if (this.waiters.size === 0) return
    for (const waiter of this.waiters) {
      if (waiter.ids) {
        waiter.ids.delete(job.id)
        if (waiter.ids.size > 0) continue
      } else if (this.unsettled > 0) continue
      this.waiters.delete(waiter)
      waiter.resolve()
    }
  }

  private finishJob(job: JobRecord, state: JobState, error: JobError | null, endedAt: number): void {
    this.clearTimer(job)
    job.stopping = null
    job.endedAt = endedAt - this.epoch
    if (error) job.error = error
    this.setState(job, state)
  }

  /** A failed attempt: retried with backoff while retries remain, otherwise final. */
  private failAttempt(job: JobRecord, state: 'failed' | 'timed-out', error: JobError, endedAt: number): void {
    if (job.attempts <= job.maxRetries && !this.closed) {
      this.clearTimer(job)
      job.stopping = null
      job.error = error
      job.endedAt = endedAt - this.epoch
      const delay = Math.min(MAX_BACKOFF_MS, this.retryBackoffMs * 2 ** (job.attempts - 1))
      job.timer = setTimeout(() => {
        job.timer = null
        job.seq = this.nextSeq++
        this.setState(job, 'queued')
        this.queues[job.lane].push(job)
        this.scheduleDispatch()
      }, delay)
      this.setState(job, 'retrying')
      return
    }
    this.finishJob(job, state, error, endedAt)
  }

  private clearTimer(job: JobRecord): void {
    if (job.timer) {
      clearTimeout(job.timer)
      job.timer = null
    }
  }

  // ---- dispatch --------------------------------------------------------------------------

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return
    this.dispatchScheduled = true
    queueMicrotask(this.dispatch)
  }

  private readonly dispatch = (): void => {
    this.dispatchScheduled = false
    if (this.paused || this.closed) return
    this.dispatchCpu()
    this.dispatchIo()
  }

  private dispatchCpu(): void {
    const queue = this.queues.cpu
    while (queue.size > 0) {
      const head = queue.peek()
      if (!head) break
      if (head.memoryMb > 0) {
        if (this.busyCpu >= this.limits.cpuSlots) break
        queue.shift()
        this.assign(this.spawn(head.executor, 'cpu', head.memoryMb), [head])
        continue
      }
      const cost = this.kindCost.get(head.kind) ?? UNKNOWN_COST_MS
      const batchSize = Math.max(1, Math.min(MAX_BATCH, Math.floor(TARGET_BATCH_MS / Math.max(cost, 0.005))))
      // Share the queue evenly between slots rather than handing it all to the first worker.
      const share = Math.max(1, Math.min(batchSize, Math.ceil(queue.size / this.limits.cpuSlots)))
      let worker = this.idleWorker(head.executor, 'cpu')
      if (!worker) {
        if (this.busyCpu < this.limits.cpuSlots) worker = this.spawn(head.executor, 'cpu', 0)
        else {
          worker = this.pipelineWorker(head, cost, share)
          if (!worker) break
        }
      }
      this.assign(worker, this.take(queue, head, share))
    }
  }

  private dispatchIo(): void {
    const queue = this.queues.io
    while (queue.size > 0 && this.ioInFlight < this.limits.ioConcurrency) {
      const head = queue.peek()
      if (!head) break
      if (head.memoryMb > 0) {
        queue.shift()
        this.assign(this.spawn(head.executor, 'io', head.memoryMb), [head])
        continue
      }
      let worker: WorkerHandle | undefined
      for (const candidate of this.workerMap.values()) {
        if (candidate.serves('io', head.executor)) {
          worker = candidate
          break
        }
      }
      worker ??= this.spawn(head.executor, 'io', 0)
      const room = Math.min(IO_CHUNK, this.limits.ioConcurrency - this.ioInFlight)
      this.assign(worker, this.take(queue, head, room))
    }
  }

  /** Takes up to `count` jobs from the front that can share one message with `head`. */
  private take(queue: JobQueue<JobRecord>, head: JobRecord, count: number): JobRecord[] {
    const jobs: JobRecord[] = []
    while (jobs.length < count) {
      const next = queue.peek()
      if (!next || next.executor !== head.executor || next.kind !== head.kind || next.memoryMb > 0) break
      queue.shift()
      jobs.push(next)
    }
    return jobs
  }

  private idleWorker(executor: ExecutorType, lane: Lane): WorkerHandle | undefined {
    for (const worker of this.workerMap.values()) {
      if (!worker.busy && worker.serves(lane, executor)) return worker
    }
    return undefined
  }

  /** With every slot taken, a worker about to run out of short work may take the next batch now. */
  private pipelineWorker(head: JobRecord, cost: number, share: number): WorkerHandle | undefined {
    if (cost >= TARGET_BATCH_MS) return undefined
    for (const worker of this.workerMap.values()) {
      if (
        worker.busy &&
        worker.serves('cpu', head.executor) &&
        worker.expectedMs < TARGET_BATCH_MS / 2 &&
        worker.assigned.size <= share
      ) {
        return worker
      }
    }
    return undefined
  }

  private assign(worker: WorkerHandle, jobs: JobRecord[]): void {
    if (jobs.length === 0) return
    if (worker.lane === 'cpu' && !worker.busy) this.busyCpu++
    if (worker.lane === 'io') this.ioInFlight += jobs.length
    const messages: JobMessage[] = new Array(jobs.length)
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!
      job.workerId = worker.id
      messages[i] = [job.id, job.kind, job.params, job.attempts + 1]
      // A timeout is measured from the job's start; until the worker reports it, a watchdog
      // covers a worker that never does (see handOffOverdue).
      if (job.timeoutMs > 0 && !job.timer) this.watchHandOff(job, worker)
      worker.expectedMs += this.kindCost.get(job.kind) ?? UNKNOWN_COST_MS
    }
    worker.run(jobs, messages)
    this.workersDirty = true
    this.scheduleFeed()
  }

  /** The job has left its worker (finished, dropped or lost with it). */
  private release(worker: WorkerHandle, job: JobRecord): void {
    if (!worker.assigned.delete(job)) return
    if (job.state === 'running') worker.runningJobs--
    job.workerId = 0
    worker.expectedMs = worker.assigned.size === 0 ? 0 : Math.max(0, worker.expectedMs - (this.kindCost.get(job.kind) ?? 0))
    if (worker.lane === 'io') this.ioInFlight--
    else if (!worker.busy) this.busyCpu--
    if (!worker.busy && worker.state === 'busy') worker.state = 'idle'
    this.workersDirty = true
    if (!worker.busy && !worker.exited) {
      // Dedicated (memory-limited) workers retire after their job; so do workers beyond the limits.
      if (worker.memoryMb > 0 || this.surplus(worker)) this.retire(worker)
    }
    this.scheduleDispatch()
  }

  private surplus(worker: WorkerHandle): boolean {
    if (worker.lane !== 'cpu') return false
    let same = 0
    for (const other of this.workerMap.values()) {
      if (other.serves('cpu', worker.executor)) same++
    }
    return same > this.limits.cpuSlots
  }

  private retire(worker: WorkerHandle): void {
    if (worker.state === 'stopping') return
    worker.stop()
    this.workersDirty = true
  }

  private spawn(executor: ExecutorType, lane: Lane, memoryMb: number): WorkerHandle {
    const hooks: WorkerHooks = {
      // Reports go through the inbox, in order, so an exit is never applied before the results
      // that came ahead of it.
      onHello: (worker) =>
        this.inbox.push(() => {
          this.onHello(worker)
          return true
        }),
      onEvents: (worker, events) => {
        let at = 0
        this.inbox.push((deadline) => (at = this.onEvents(worker, events, at, deadline)) >= events.length)
      },
      onExit: (worker, exit) =>
        this.inbox.push(() => {
          this.onExit(worker, exit)
          return true
        }),
    }
    const worker = new WorkerHandle(
      {
        id: this.nextWorkerId++,
        executor,
        lane,
        mode: lane === 'io' && memoryMb === 0 ? 'concurrent' : 'serial',
        dataDir: this.dataDir,
        memoryMb,
        entries: this.entries,
        processHost: this.processHost,
        env: this.workerEnv,
      },
      hooks,
    )
    this.workerMap.set(worker.id, worker)
    this.workersDirty = true
    return worker
  }

  // ---- worker events ---------------------------------------------------------------------

  private onHello(worker: WorkerHandle): void {
    this.workersDirty = true
    this.scheduleFeed()
    if (this.limits.pinning && worker.lane === 'cpu') void this.pin(worker)
  }

  /** Applies events from `from` until done or past `deadline`; returns where it stopped. */
  private onEvents(worker: WorkerHandle, e: unknown[], from: number, deadline: number): number {
    this.reader.worker = worker
    return readEvents(e, from, this.reader, deadline)
  }

  /** The job an event names, if it is this worker's to report on. */
  private owned(id: unknown, worker: WorkerHandle): JobRecord | undefined {
    const job = this.jobs.get(id as number)
    return job !== undefined && job.workerId === worker.id ? job : undefined
  }

  private readonly reader = {
    worker: null as unknown as WorkerHandle,
    started: (id: unknown, at: unknown, ending: boolean) => {
      const job = this.owned(id, this.reader.worker)
      if (job) this.onStarted(job, this.reader.worker, timeOf(at), ending)
    },
    done: (id: unknown, at: unknown, result: unknown, resultFile: unknown, hasLog: unknown) => {
      const worker = this.reader.worker
      const job = this.owned(id, worker)
      if (!job) return
      if (!isJsonTree(result)) {
        worker.jobsDone++
        this.release(worker, job)
        this.onFailed(job, 'job-error', 'the worker reported a result that is not plain JSON data', timeOf(at))
        return
      }
      job.result = result
      job.resultFile = resultFileOf(resultFile)
      job.hasLog = hasLog === true
      job.progress = 1
      const time = timeOf(at)
      this.learnCost(job, time)
      worker.jobsDone++
      this.release(worker, job)
      this.finishJob(job, 'succeeded', null, time)
    },
    failed: (id: unknown, at: unknown, code: unknown, message: unknown, hasLog: unknown) => {
      const worker = this.reader.worker
      const job = this.owned(id, worker)
      if (!job) return
      job.hasLog = hasLog === true
      worker.jobsDone++
      this.release(worker, job)
      this.onFailed(job, failureCodeOf(code), messageOf(message), timeOf(at))
    },
    progress: (id: unknown, fraction: unknown, note: unknown) => {
      const job = this.owned(id, this.reader.worker)
      if (!job || job.state !== 'running') return
      if (typeof fraction === 'number' && fraction >= 0 && fraction <= 1) job.progress = fraction
      job.note = typeof note === 'string' ? note : null
      this.markJob(job)
    },
    dropped: (id: unknown) => {
      const job = this.owned(id, this.reader.worker)
      if (!job) return
      this.release(this.reader.worker, job)
      this.finishJob(job, 'cancelled', { code: 'cancelled', message: 'cancelled before it started' }, Date.now())
    },
    lateError: (id: unknown, message: unknown, hasLog: unknown) => {
      // Its code threw after it had succeeded on this worker: the job, not the worker, failed.
      const job = this.jobs.get(id as number)
      if (!job || job.state !== 'succeeded' || job.lastWorkerId !== this.reader.worker.id) return
      job.hasLog ||= hasLog === true
      job.error = { code: 'job-error', message: messageOf(message) }
      this.setState(job, 'failed')
    },
  }

  /** `ending`: its end follows in the same message, so it skips the passing "running" state and the timeout timer. */
  private onStarted(job: JobRecord, worker: WorkerHandle, at: number, ending: boolean): void {
    job.lastWorkerId = worker.id
    job.attempts++
    job.startedAt = at - this.epoch
    job.endedAt = NO_TIME
    job.progress = 0
    job.note = null
    job.error = null
    job.result = undefined
    this.workersDirty = true
    if (ending) return
    worker.runningJobs++
    this.setState(job, 'running')
    if (job.stopping) {
      // Asked to stop before it started, and it started anyway: now it can be given its grace
      // period and, if it ignores its abort signal, its worker terminated.
      this.stopRunning(job, job.stopping)
    } else if (job.timeoutMs > 0) {
      this.clearTimer(job) // the hand-off watchdog (see assign)
      job.timer = setTimeout(() => {
        job.timer = null
        this.stopRunning(job, 'timeout')
      }, job.timeoutMs)
    }
  }

  private watchHandOff(job: JobRecord, worker: WorkerHandle): void {
    job.timer = setTimeout(() => this.handOffOverdue(job, worker), job.timeoutMs + this.graceMs)
  }

  /**
   * A job with a timeout that its worker has held for timeoutMs + grace without reporting it
   * started: the worker is stuck (a job that blocked before its start was sent, or a worker that
   * never came up). The attempt counts, and the worker is terminated as a timeout would.
   */
  private handOffOverdue(job: JobRecord, worker: WorkerHandle): void {
    job.timer = null
    if (job.workerId !== worker.id || job.state !== 'queued' || worker.exited) return
    if (worker.mode === 'serial' && worker.runningJobs > 0) {
      // Still waiting behind a job that is running on this worker (one longer than its kind
      // usually takes): the worker is busy, not stuck. Look again later.
      this.watchHandOff(job, worker)
      return
    }
    job.attempts++
    job.lastWorkerId = worker.id
    job.stopping = 'timeout'
    worker.forcedBy = job.id
    worker.terminate()
  }

  private onFailed(job: JobRecord, code: FailureCode, message: string, at: number): void {
    if (code === 'cancelled' || job.stopping === 'cancel') {
      this.finishJob(job, 'cancelled', { code: 'cancelled', message: 'cancelled' }, at)
    } else if (code === 'timeout' || job.stopping === 'timeout') {
      this.failAttempt(job, 'timed-out', timeoutError(job), at)
    } else {
      this.failAttempt(job, 'failed', { code, message }, at)
    }
  }

  private learnCost(job: JobRecord, endedAt: number): void {
    const ms = Math.max(0.001, endedAt - this.epoch - job.startedAt)
    const previous = this.kindCost.get(job.kind)
    this.kindCost.set(job.kind, previous === undefined ? ms : previous * 0.7 + ms * 0.3)
  }

  private onExit(worker: WorkerHandle, exit: WorkerExit): void {
    this.workerMap.delete(worker.id)
    this.workersDirty = true
    const jobs = [...worker.assigned]
    const forced = worker.forcedBy
    for (const job of jobs) this.release(worker, job)
    const now = Date.now()
    const putBack: JobRecord[] = []
    for (const job of jobs) {
      if (job.stopping === 'cancel') {
        this.finishJob(job, 'cancelled', { code: 'cancelled', message: 'cancelled (worker stopped after the grace period)' }, now)
      } else if (job.stopping === 'timeout') {
        this.failAttempt(job, 'timed-out', timeoutError(job), now)
      } else if (job.state === 'running' && forced === null) {
        const error: JobError = exit.outOfMemory
          ? { code: 'out-of-memory', message: exit.message }
          : { code: 'worker-crashed', message: exit.message }
        this.failAttempt(job, 'failed', error, now)
      } else if (!isTerminal(job.state)) {
        // Never started, or stopped only because another job on its worker had to be: run it again.
        this.clearTimer(job) // its timeout or hand-off watchdog belonged to that worker
        if (job.state === 'running') {
          job.attempts = Math.max(0, job.attempts - 1)
          this.setState(job, 'queued')
        }
        putBack.push(job)
      }
    }
    for (let i = putBack.length - 1; i >= 0; i--) this.queues[putBack[i]!.lane].putBack(putBack[i]!)
    this.scheduleDispatch()
    this.scheduleFeed()
  }

  // ---- cancel, timeout, retry ------------------------------------------------------------

  /** Aborts a running job cooperatively, and terminates its worker if it has not stopped in time. */
  private stopRunning(job: JobRecord, reason: 'cancel' | 'timeout'): void {
    const worker = this.workerMap.get(job.workerId)
    if (!worker) return
    this.clearTimer(job)
    job.stopping = reason
    worker.cancel(job, reason)
    // Running: it gets the grace period, then its worker is terminated. Not started yet: a
    // worker busy with another job drops it (or starts it, see onStarted) when it gets to it;
    // an idle one drops it at once, and one that has not answered within the grace is stuck.
    if (job.state !== 'running' && worker.runningJobs > 0) return
    job.timer = setTimeout(() => {
      job.timer = null
      if (job.workerId === worker.id && !isTerminal(job.state)) {
        worker.forcedBy = job.id
        worker.terminate()
      }
    }, this.graceMs)
  }

  killWorker(id: number): boolean {
    const worker = this.workerMap.get(id)
    if (!worker || worker.exited) return false
    worker.terminate()
    return true
  }

  cancel(ids: number[]): number {
    let cancelled = 0
    for (const id of ids) {
      const job = this.jobs.get(id)
      if (!job || isTerminal(job.state)) continue
      if (job.state === 'running' || job.workerId !== 0) {
        if (job.stopping === 'cancel') continue
        this.stopRunning(job, 'cancel')
      } else {
        if (job.state === 'queued') this.queues[job.lane].forget()
        this.finishJob(job, 'cancelled', { code: 'cancelled', message: 'cancelled before it started' }, Date.now())
      }
      cancelled++
    }
    return cancelled
  }

  retry(ids: number[]): number {
    let retried = 0
    for (const id of ids) {
      const job = this.jobs.get(id)
      if (!job || !isTerminal(job.state) || job.state === 'succeeded') continue
      job.attempts = 0
      job.error = null
      job.result = undefined
      job.resultFile = null
      job.progress = 0
      job.note = null
      job.startedAt = NO_TIME
      job.endedAt = NO_TIME
      job.seq = this.nextSeq++
      this.setState(job, 'queued')
      this.queues[job.lane].push(job)
      retried++
    }
    if (retried) this.scheduleDispatch()
    return retried
  }

  clearFinished(): number {
    let removed = 0
    for (const job of this.jobs.values()) {
      if (!isTerminal(job.state)) continue
      this.jobs.delete(job.id)
      this.counts[job.state]--
      const batch = this.batchMap.get(job.batchId)
      batch?.remove(job.state)
      if (batch && batch.total === 0) this.batchMap.delete(batch.id)
      this.dirtyJobs.delete(job)
      if (this.subscribers.size) this.removedIds.push(job.id)
      removed++
    }
    this.batchesDirty = true
    this.statsDirty = true
    this.scheduleFeed()
    return removed
  }

  // ---- limits ----------------------------------------------------------------------------

  pause(): EngineStats {
    this.paused = true
    this.statsDirty = true
    this.scheduleFeed()
    return this.stats()
  }

  resume(): EngineStats {
    this.paused = false
    this.statsDirty = true
    this.scheduleDispatch()
    this.scheduleFeed()
    return this.stats()
  }

  setLimits(patch: Partial<EngineLimits>): EngineStats {
    const wasPinning = this.limits.pinning
    this.limits = {
      cpuSlots: patch.cpuSlots ?? this.limits.cpuSlots,
      ioConcurrency: patch.ioConcurrency ?? this.limits.ioConcurrency,
      pinning: (patch.pinning ?? this.limits.pinning) && placementSupported,
    }
    for (const worker of [...this.workerMap.values()]) if (!worker.busy && this.surplus(worker)) this.retire(worker)
    if (this.limits.pinning !== wasPinning) {
      for (const worker of this.workerMap.values()) {
        if (worker.lane === 'cpu') void (this.limits.pinning ? this.pin(worker) : this.unpin(worker))
      }
    }
    this.statsDirty = true
    this.scheduleDispatch()
    this.scheduleFeed()
    return this.stats()
  }

  private async pin(worker: WorkerHandle): Promise<void> {
    if (worker.tid === null || worker.pinnedCore !== null) return
    const taken = new Set<number>()
    for (const other of this.workerMap.values()) if (other.pinnedCore !== null) taken.add(other.pinnedCore)
    let core = 0
    while (taken.has(core) && core < this.cores - 1) core++
    worker.pinnedCore = core
    const error = await pinThread(worker.tid, core)
    if (error) worker.pinnedCore = null
    this.workersDirty = true
    this.scheduleFeed()
  }

  private async unpin(worker: WorkerHandle): Promise<void> {
    if (worker.tid === null || worker.pinnedCore === null) return
    worker.pinnedCore = null
    await pinThread(worker.tid, 'all')
    this.workersDirty = true
    this.scheduleFeed()
  }

  // ---- queries ---------------------------------------------------------------------------

  private view(job: JobRecord): JobView {
    return job.toView(this.epoch, this.logDir)
  }

  getJob(id: number): JobView | undefined {
    const job = this.jobs.get(id)
    return job && this.view(job)
  }

  listJobs(filter: JobFilter = {}): { total: number; jobs: JobView[] } {
    const offset = filter.offset ?? 0
    const limit = filter.limit ?? 1000
    const jobs: JobView[] = []
    let total = 0
    for (const job of this.jobs.values()) {
      if (filter.state && job.state !== filter.state) continue
      if (filter.batchId && job.batchId !== filter.batchId) continue
      if (total >= offset && jobs.length < limit) jobs.push(this.view(job))
      total++
    }
    return { total, jobs }
  }

  workers(): WorkerView[] {
    return [...this.workerMap.values()].map((worker) => worker.toView())
  }

  batches(): BatchView[] {
    return [...this.batchMap.values()].map((batch) => batch.toView())
  }

  stats(): EngineStats {
    return {
      limits: { ...this.limits },
      paused: this.paused,
      cores: this.cores,
      counts: { ...this.counts },
      placementSupported,
      placementNote,
    }
  }

  async readLog(id: number, maxBytes = 65536): Promise<{ text: string; truncated: boolean; file: string | null }> {
    const job = this.jobs.get(id)
    if (!job) throw new Error(`no job with id ${id}`)
    const file = join(this.logDir, `${id}.log`)
    let handle
    try {
      handle = await open(file, 'r')
    } catch {
      return { text: '', truncated: false, file: null }
    }
    try {
      const { size } = await handle.stat()
      const length = Math.min(size, maxBytes)
      const buffer = Buffer.alloc(length)
      await handle.read(buffer, 0, length, size - length)
      return { text: buffer.toString('utf8'), truncated: size > length, file }
    } finally {
      await handle.close()
    }
  }

  async sampleWorkers(): Promise<WorkerView[]> {
    if (placementSupported) {
      const now = performance.now()
      await Promise.all(
        [...this.workerMap.values()].map(async (worker) => {
          if (worker.pid === null || worker.tid === null) return
          const stat = await readThreadStat(worker.pid, worker.tid)
          if (!stat) return
          if (worker.sampledAt !== null && worker.cpuTimeMs !== null && now > worker.sampledAt) {
            worker.cpuPercent = Math.min(100, Math.max(0, ((stat.cpuTimeMs - worker.cpuTimeMs) / (now - worker.sampledAt)) * 100))
          }
          worker.core = stat.core
          worker.cpuTimeMs = stat.cpuTimeMs
          worker.sampledAt = now
        }),
      )
      this.workersDirty = true
      this.scheduleFeed()
    }
    return this.workers()
  }

  // ---- change feed -----------------------------------------------------------------------

  subscribe(listener: (changes: EngineChanges) => void, options?: { newestJobs?: number }): () => void {
    this.subscribers.set(listener, options?.newestJobs ?? Infinity)
    this.feedWindow = Math.max(...this.subscribers.values())
    return () => {
      this.subscribers.delete(listener)
      this.feedWindow = this.subscribers.size ? Math.max(...this.subscribers.values()) : Infinity
    }
  }

  onJobSettled(listener: (job: JobView) => void): () => void {
    this.settledListeners.add(listener)
    return () => this.settledListeners.delete(listener)
  }

  private markJob(job: JobRecord): void {
    if (this.store) {
      this.persistJobs.add(job)
      this.persistTimer ??= setTimeout(this.persist, PERSIST_INTERVAL_MS)
    }
    if (this.subscribers.size === 0 || !this.inFeedWindow(job)) return
    this.dirtyJobs.add(job)
    this.scheduleFeed()
  }

  private inFeedWindow(job: JobRecord): boolean {
    return job.id > this.windowFloor(this.feedWindow)
  }

  /** Jobs with ids above this are the newest `window` ones. */
  private windowFloor(window: number): number {
    return this.nextJobId - 1 - window
  }

  // ---- persistence -----------------------------------------------------------------------

  private readonly persist = (): void => {
    this.persistTimer = null
    if (!this.store) return
    const rows: JobRowTuple[] = []
    for (const job of this.persistJobs) rows.push(toRow(job, this.epoch))
    const batches: BatchRow[] = []
    for (const batch of this.persistBatches)
      batches.push({ id: batch.id, name: batch.name, createdAt: batch.createdAt, source: batch.source })
    this.persistJobs = new Set()
    this.persistBatches = new Set()
    this.store.write(rows, batches)
  }

  async flushStore(): Promise<void> {
    if (!this.store) return
    if (this.persistTimer) clearTimeout(this.persistTimer)
    this.persist()
    await this.store.flush()
  }

  restore(state: LoadedState, options: RestoreOptions = {}): { restored: number; interrupted: number[] } {
    if (this.jobs.size > 0) throw new Error('restore() must come before any submit()')
    this.nextJobId = Math.max(this.nextJobId, state.maxJobId + 1)
    this.nextBatchId = Math.max(this.nextBatchId, state.maxBatchId + 1)
    this.nextSeq = Math.max(this.nextSeq, state.maxSeq + 1)
    const only = options.batches ? new Set(options.batches) : null
    const batchRows = new Map(state.batches.map((b) => [b.id, b]))
    const interrupted: number[] = []
    let restored = 0
    for (const row of state.jobs) {
      if (only && !only.has(row.batchId)) continue
      let batch = this.batchMap.get(row.batchId)
      if (!batch) {
        const info = batchRows.get(row.batchId)
        batch = new Batch(
          row.batchId,
          info?.name ?? `batch ${row.batchId}`,
          info?.source ?? null,
          info?.createdAt ?? row.createdAt,
        )
        this.batchMap.set(batch.id, batch)
      }
      const job = new JobRecord(row.id, row.batchId, row.seq, row.createdAt - this.epoch, {
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
      job.attempts = row.attempts
      job.progress = row.progress
      job.note = row.note
      job.startedAt = row.startedAt === null ? NO_TIME : row.startedAt - this.epoch
      job.endedAt = row.endedAt === null ? NO_TIME : row.endedAt - this.epoch
      job.result = row.result
      job.resultFile = row.resultFile ?? null
      job.error = row.error ?? null
      job.hasLog = row.hasLog
      this.jobs.set(job.id, job)
      this.counts.queued++
      batch.add(1)
      this.unsettled++
      restored++
      if (row.state === 'queued') {
        this.queues[job.lane].push(job)
        continue
      }
      const running = row.state === 'running' || row.state === 'retrying'
      const state: JobState = running ? 'interrupted' : row.state
      if (running) {
        job.error = { code: 'interrupted', message: 'Corelane stopped while this job was running' }
        interrupted.push(job.id)
        this.markJob(job)
      }
      // Placed directly: restoring is not an event (no settled callbacks, no rewrite of unchanged rows).
      job.state = state
      this.counts.queued--
      this.counts[state]++
      batch.move('queued', state)
      if (isTerminal(state)) this.unsettled--
    }
    this.batchesDirty = this.statsDirty = true
    this.scheduleDispatch()
    this.scheduleFeed()
    return { restored, interrupted }
  }

  private scheduleFeed(): void {
    if (this.feedTimer || this.subscribers.size === 0) return
    this.feedTimer = setTimeout(this.flushFeed, this.eventIntervalMs)
  }

  private readonly flushFeed = (): void => {
    this.feedTimer = null
    if (this.subscribers.size === 0) return
    const changes: EngineChanges = {
      jobs: [],
      removed: this.removedIds,
      workers: this.workersDirty ? this.workers() : null,
      batches: this.batchesDirty ? this.batches() : null,
      stats: this.statsDirty ? this.stats() : null,
    }
    // At most FEED_MAX_JOBS views per delivery: the rest stay dirty for the next one, so a burst
    // of changes costs the loop a bounded slice each time (rows then catch up over a second or
    // so) instead of one long stall. Jobs that left the window since they changed are dropped.
    let carried: Set<JobRecord> | null = null
    for (const job of this.dirtyJobs) {
      if (!this.inFeedWindow(job)) continue
      if (changes.jobs.length < FEED_MAX_JOBS) changes.jobs.push(this.view(job))
      else (carried ??= new Set()).add(job)
    }
    this.dirtyJobs = carried ?? new Set()
    if (carried) this.scheduleFeed()
    this.removedIds = []
    this.workersDirty = this.batchesDirty = this.statsDirty = false
    if (!changes.jobs.length && !changes.removed.length && !changes.workers && !changes.batches && !changes.stats) return
    for (const [listener, window] of this.subscribers) {
      if (window >= this.feedWindow) listener(changes)
      else {
        // A narrower window than the widest listener's: only its own newest jobs.
        const floor = this.windowFloor(window)
        listener({ ...changes, jobs: changes.jobs.filter((job) => job.id > floor) })
      }
    }
  }

  // ---- shutdown --------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const now = Date.now()
    for (const job of this.jobs.values()) {
      if (isTerminal(job.state)) continue
      if (job.workerId === 0) {
        if (job.state === 'queued') this.queues[job.lane].forget()
        this.finishJob(job, 'cancelled', { code: 'cancelled', message: 'the engine was closed' }, now)
      } else {
        job.stopping = 'cancel'
      }
    }
    const exits = [...this.workerMap.values()].map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.onExited = resolve
          worker.terminate()
        }),
    )
    await Promise.all(exits)
    // Apply every report the workers sent before they went, so each job ends in its final state.
    this.inbox.drainAll()
    if (this.feedTimer) clearTimeout(this.feedTimer)
    this.flushFeed()
    await this.flushStore()
  }
}

function timeoutError(job: JobRecord): JobError {
  return { code: 'timeout', message: `timed out after ${job.timeoutMs} ms` }
}

function defaultBatchName(specs: JobSpec[]): string {
  // One pass without allocating per job: this runs inside submit, before its first yield.
  const kinds: string[] = []
  for (const spec of specs) if (kinds.length < 20 && !kinds.includes(spec.kind)) kinds.push(spec.kind)
  const what = kinds.length === 1 ? kinds[0] : `${kinds.length}${kinds.length === 20 ? '+' : ''} kinds`
  return `${specs.length} × ${what}`
}
