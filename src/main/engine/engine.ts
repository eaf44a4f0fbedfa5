// The engine's facade: submit, run, cancel, retry, pause and resume, limits, queries, restore
// and close, over one piece per concern (docs/architecture.md, "Inside the engine"): the job
// state machine (job-states.ts), the balancer, the pool of executors, worker reports, stop
// control, the change feed, persistence, limits and pause (limits-control.ts), batch controls.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { logFileName, logsDir } from './data-layout.ts'
import type { SubmitResult } from '../../shared/contract.ts'
import type { BatchView, EngineLimits, EngineStats, JobSpec, JobView, Lane, WorkerView } from '../../shared/job.ts'
import { isTerminal } from '../../shared/job.ts'
import { checkJobSpec } from '../../shared/schemas.ts'
import { ValidationError } from '../../shared/validate.ts'
import { KindCosts } from './balancer.ts'
import { Dispatcher } from './dispatcher.ts'
import { BatchCancels } from './batch-cancel.ts'
import { Batch } from './batch.ts'
import { ChangeFeed, type FeedSource } from './change-feed.ts'
import type { Executor } from './executors/executor.ts'
import { localWorkerSetup, WorkerPool, type ExecutorFactory } from './executors/worker-pool.ts'
import { Inbox } from './inbox.ts'
import { JobQueue } from './job-queue.ts'
import { isWaiting, JobRecord, markStuck, recordView, resetForRetry } from './job-record.ts'
import { LimitsControl } from './limits-control.ts'
import { restoreJobs } from './restore.ts'
import { yieldToLoop } from './yield-to-loop.ts'
import { Persistence } from './persistence.ts'
import { readLogTail, type LogTail } from './read-log.ts'
import { StopControl } from './stop-control.ts'
import type { LoadedState } from './store/job-store.ts'
import type { BatchRow } from './store/rows.ts'
import { checkSubmission } from './submission.ts'
import type { Engine, EngineChanges, EngineOptions, JobFilter, RestoreOptions, SubmitRequest } from './types.ts'
import { JobStates, type StateHooks } from './job-states.ts'
import { WorkerReports, type ReportHost } from './worker-reports.ts'
import { BatchControls } from './batch-controls.ts'
import { CommandGroups } from './command-groups.ts'
import type { StreamHandle, StreamRequest } from './stream-intake.ts'

/** The longest the engine applies worker reports before letting its loop run something else. */
const INBOX_SLICE_MS = 4

export function createEngine(options: EngineOptions): Engine {
  return new CorelaneEngine(options)
}

class CorelaneEngine implements Engine, ReportHost, StateHooks, FeedSource<JobRecord> {
  readonly epoch = Date.now()
  private readonly logDir: string
  private readonly cores = availableParallelism()
  private readonly limits: LimitsControl
  private shut = false

  readonly queues: Record<Lane, JobQueue<JobRecord>> = { cpu: new JobQueue(isWaiting), io: new JobQueue(isWaiting) }
  private nextJobId = 1
  private nextBatchId = 1
  private nextSeq = 1
  private readonly dispatcher: Dispatcher
  /** The batch that run() jobs share (one per engine, not one per call). */
  private runBatch: Batch | null = null

  readonly costs = new KindCosts()
  readonly pool: WorkerPool
  readonly groups: CommandGroups<Executor>
  readonly stop: StopControl<JobRecord, Executor>
  readonly states: JobStates
  private readonly inbox = new Inbox(INBOX_SLICE_MS)
  private readonly reports = new WorkerReports(this, this.inbox)
  private readonly feed: ChangeFeed<JobRecord>
  private readonly persistence: Persistence
  private readonly controls: BatchControls // gates, dependencies and batch pauses
  readonly gateBatch: NonNullable<Engine['gateBatch']> = (batchId, gates) => this.controls.gate(batchId, gates)
  private readonly cancels = new BatchCancels()

  constructor(options: EngineOptions) {
    this.logDir = logsDir(options.dataDir)
    this.limits = new LimitsControl(options, this.cores, {
      counts: () => this.states.counts,
      apply: (wasPinning) => this.pool.applyLimits(wasPinning),
      changed: () => {
        this.feed.statsChanged()
        this.scheduleDispatch()
        this.feed.schedule()
      },
    })
    this.feed = new ChangeFeed<JobRecord>(this, options.eventIntervalMs ?? 250)
    this.persistence = new Persistence(options.store ?? null, this.epoch)
    this.stop = new StopControl<JobRecord, Executor>(
      {
        executorOf: (job) => this.pool.get(job.workerId),
        force: (job, executor) => this.reports.force(job, executor),
        overdue: (job, executor) => {
          markStuck(job, executor.id)
          this.reports.force(job, executor)
        },
        requeue: (job) => {
          job.seq = this.nextSeq++
          this.states.setState(job, 'queued')
          this.queues[job.lane].push(job)
          this.scheduleDispatch()
        },
      },
      { graceMs: options.graceMs ?? 5000, retryBackoffMs: options.retryBackoffMs ?? 500 },
    )
    this.states = new JobStates(this)
    this.groups = new CommandGroups(options.dataDir)
    this.pool = new WorkerPool(
      {
        ...localWorkerSetup(options),
        cores: this.cores,
        costs: this.costs,
        limits: () => this.limits.current,
        groups: this.groups,
        changed: (now) => {
          this.feed.workersChanged()
          if (now) this.feed.schedule()
        },
      },
      this.reports.hooks,
    )
    this.controls = new BatchControls(this, () => this.nextSeq++, options.admissionSource, options.store ?? null)
    this.cancels.onCancelled((batchId) => this.controls.streams.cancelled(batchId))
    this.dispatcher = new Dispatcher({
      queues: this.queues,
      pool: this.pool,
      costs: this.costs,
      stop: this.stop,
      states: this.states,
      halted: () => this.limits.paused || this.shut,
      limits: () => this.limits.current,
      view: (queue) => this.controls.wrap(queue),
    })
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (this.shut) throw new Error('the engine is closed')
    const checked = await checkSubmission(request)
    const prepared = this.controls.prepare(checked, request)
    const batch = this.addBatch(new Batch(this.nextBatchId++, request.name ?? checked.defaultName, request.source ?? null))
    return { batchId: batch.id, jobIds: await this.enqueue(batch, checked.specs, this.controls.start(batch.id, prepared)) }
  }

  async appendToBatch(batch: BatchRow, request: Pick<SubmitRequest, 'jobs' | 'defaults'>): Promise<SubmitResult> {
    if (this.shut) throw new Error('the engine is closed')
    const { specs, withAfter } = await checkSubmission(request)
    this.controls.refuseStreamed(withAfter)
    if (batch.id >= this.nextBatchId) throw new Error(`no batch with id ${batch.id}`)
    const tracker = this.states.trackerOf(batch)
    if (tracker.cancelled) throw new ValidationError([{ field: 'batchId', message: `batch ${batch.id} was cancelled` }])
    return { batchId: tracker.id, jobIds: await this.enqueue(tracker, specs) }
  }

  /** A batch (with its gates) pulled from a stream of checked specs, at most `window` of it unfinished (stream-intake.ts). */
  submitStream(request: StreamRequest): StreamHandle {
    if (this.shut) throw new Error('the engine is closed')
    const fresh = () => this.addBatch(new Batch(this.nextBatchId++, request.name ?? 'stream', request.source ?? null))
    return this.controls.stream(this, request.continues ? this.states.trackerOf(request.continues) : fresh(), request)
  }

  /** One job of a stream (stream-intake.ts), queued, or held when it waits for others. */
  makeJob(batch: Batch, spec: JobSpec, index: number, after?: number[]): JobRecord {
    const job = this.createJob(spec, batch.id, after, Date.now(), index)
    batch.add(1)
    this.countsChanged()
    this.scheduleDispatch()
    return job
  }

  /** Queues checked specs in a batch, yielding every millisecond so the loop stays free. */
  private async enqueue(batch: Batch, specs: JobSpec[], deps: number[][] | null = null): Promise<number[]> {
    const jobIds: number[] = new Array(specs.length)
    const waitsFor = (i: number) => deps?.[i]!.map((d) => this.nextJobId - i + d) // ids go in order: known up front
    let sliceStart = performance.now()
    // One clock reading per 256 jobs: they are made within a fraction of a millisecond.
    let now = Date.now()
    for (let i = 0; i < specs.length; i++) {
      jobIds[i] = this.createJob(specs[i]!, batch.id, waitsFor(i), now).id
      if ((i & 255) === 255) {
        batch.add(256)
        if (performance.now() - sliceStart > 1) {
          this.scheduleDispatch()
          await yieldToLoop()
          sliceStart = performance.now()
          // Cancelled meanwhile (cancelBatch): the jobs made so far were cancelled, no more are made.
          if (batch.cancelled) return jobIds.slice(0, i + 1)
        }
        now = Date.now() // after a yield too: the loop may have run a while
      }
    }
    batch.add(specs.length & 255)
    if (deps) this.controls.waitFor(batch.id, jobIds, deps)
    this.countsChanged()
    this.scheduleDispatch()
    this.feed.schedule()
    return jobIds
  }

  private addBatch(batch: Batch): Batch {
    this.states.batches.set(batch.id, batch)
    this.persistence.batch(batch)
    return batch
  }

  private createJob(spec: JobSpec, batchId: number, after?: number[], now = Date.now(), inputIndex = -1): JobRecord {
    const job = JobRecord.fromSpec(spec, this.nextJobId++, batchId, this.nextSeq++, now - this.epoch)
    job.inputIndex = inputIndex
    if (after) job.after = after // the ids it waits for: batch-dependencies.ts queues it once they succeeded
    this.states.add(job)
    if (!after) this.queues[job.lane].push(job)
    return job
  }

  /**
   * One job, awaited: the path a client takes for request/response use (like Piscina's run).
   * Kept lean: checked synchronously, queued in one shared batch, resolved from a per-job map.
   */
  run(spec: JobSpec): Promise<JobView> {
    if (this.shut) return Promise.reject(new Error('the engine is closed'))
    const checked = checkJobSpec(spec, 'job')
    if (!checked.ok) return Promise.reject(new ValidationError(checked.problems))
    if (!this.runBatch || !this.states.batches.has(this.runBatch.id))
      this.runBatch = this.addBatch(new Batch(this.nextBatchId++, 'single jobs'))
    const job = this.createJob(checked.job, this.runBatch.id)
    this.runBatch.add(1)
    this.countsChanged()
    this.scheduleDispatch()
    return this.states.outcome(job)
  }

  readonly whenSettled = (ids?: number[]): Promise<void> => this.states.whenSettled(ids)

  release(executor: Executor, job: JobRecord): void {
    this.pool.release(executor, job)
    this.scheduleDispatch()
  }

  putBack(jobs: JobRecord[]): void {
    for (let i = jobs.length - 1; i >= 0; i--) this.queues[jobs[i]!.lane].putBack(jobs[i]!)
    this.scheduleDispatch()
    this.feed.schedule()
  }

  readonly closed = (): boolean => this.shut
  readonly newestJobId = (): number => this.nextJobId - 1

  changed(job: JobRecord): void {
    this.persistence.job(job)
    this.feed.job(job)
    // A queued job (a new one, most often) has nothing to tell the controls (batch-controls.ts changed).
    if (job.state !== 'queued' && this.controls.active) this.controls.changed(job)
  }

  workersChanged(): void {
    this.feed.workersChanged()
  }

  countsChanged(): void {
    this.feed.countsChanged()
  }

  private scheduleDispatch(): void {
    this.dispatcher.schedule()
  }

  /** Adds an executor from outside (a remote machine): the balancer fills it to its capacity. */
  addExecutor(create: ExecutorFactory): Executor {
    const executor = this.pool.add(create)
    this.scheduleDispatch()
    return executor
  }

  readonly killWorker = (id: number): boolean => this.pool.kill(id)

  cancel(ids: number[]): number {
    let cancelled = 0
    for (const id of ids) {
      const job = this.states.get(id)
      if (!job || isTerminal(job.state)) continue
      const held = job.state === 'running' || job.workerId !== 0 // on an executor
      if (held && job.stopping === 'cancel') continue // already being stopped
      if (held) this.stop.stop(job, 'cancel')
      else this.cancelUnstarted(job, 'cancelled before it started', Date.now())
      cancelled++
    }
    return cancelled
  }

  /** Ends a job no executor holds (queued, held back by the controls, or between attempts) as cancelled. */
  private cancelUnstarted(job: JobRecord, message: string, now: number): void {
    // Out of whatever holds it; one still in its lane's queue becomes a tombstone there (job-queue.ts).
    if (job.state === 'queued' && this.controls.inQueue(job)) this.queues[job.lane].forget()
    this.states.finish(job, 'cancelled', { code: 'cancelled', message }, now)
  }

  retry(ids: number[]): number {
    let retried = 0
    for (const id of ids) {
      const job = this.states.get(id)
      if (!job || !isTerminal(job.state) || job.state === 'succeeded') continue
      resetForRetry(job, this.nextSeq++)
      this.states.setState(job, 'queued')
      if (this.controls.retried(job)) this.queues[job.lane].push(job) // else it waits for others
      retried++
    }
    if (retried) this.scheduleDispatch()
    return retried
  }

  clearFinished(options: { keepBatchCounts?: boolean; batchId?: number } = {}): number {
    const removed = this.states.clearFinished(options.keepBatchCounts ?? false, (job) => this.feed.removed(job), options.batchId)
    this.controls.prune((batchId) => this.states.batches.has(batchId))
    this.countsChanged()
    this.feed.schedule()
    return removed
  }

  readonly cancelBatch = (batchId: number): number => this.cancels.cancel(batchId, this.states, (ids) => this.cancel(ids))
  readonly onBatchCancelled: Engine['onBatchCancelled'] = (listener) => this.cancels.onCancelled(listener)

  readonly pause = (): EngineStats => this.limits.pause()
  readonly resume = (): EngineStats => this.limits.resume()
  readonly setLimits = (patch: Partial<EngineLimits>): EngineStats => this.limits.set(patch)
  readonly stats = (): EngineStats => this.limits.stats()

  setBatchPaused(batchId: number, paused: boolean): BatchView {
    const batch = this.states.batches.get(batchId)
    if (!batch) throw new ValidationError([{ field: 'batchId', message: `no batch with id ${batchId}` }])
    this.putBack(this.controls.setPaused(batchId, (batch.paused = paused))) // dispatches, and tells the feed
    this.feed.batchesChanged()
    return batch.toView()
  }

  readonly view = (job: JobRecord): JobView => recordView(job, this.epoch, this.logDir)

  getJob(id: number): JobView | undefined {
    return this.states.get(id) && this.view(this.states.get(id)!)
  }

  listJobs(filter: JobFilter = {}): { total: number; jobs: JobView[] } {
    return this.states.list(filter, (job) => this.view(job))
  }

  readonly workers = (): WorkerView[] => this.pool.views()

  batches(): BatchView[] {
    return [...this.states.batches.values()].map((batch) => batch.toView())
  }

  async readLog(id: number, maxBytes = 65536): Promise<LogTail> {
    if (!this.states.get(id)) throw new Error(`no job with id ${id}`)
    return readLogTail(join(this.logDir, logFileName(id)), maxBytes)
  }

  async sampleWorkers(): Promise<WorkerView[]> {
    await this.pool.sample()
    return this.workers()
  }

  subscribe(listener: (changes: EngineChanges) => void, options?: { newestJobs?: number }): () => void {
    return this.feed.subscribe(listener, options?.newestJobs)
  }

  readonly onJobSettled = (listener: (job: JobView) => void): (() => void) => this.states.onSettled(listener)

  readonly flushStore = (): Promise<void> => this.persistence.flush()

  restore(state: LoadedState, options: RestoreOptions = {}): { restored: number; interrupted: number[] } {
    if (this.states.size > 0) throw new Error('restore() must come before any submit()')
    this.nextJobId = Math.max(this.nextJobId, state.maxJobId + 1)
    this.nextBatchId = Math.max(this.nextBatchId, state.maxBatchId + 1)
    this.nextSeq = Math.max(this.nextSeq, state.maxSeq + 1)
    const restored = restoreJobs(this, state, options)
    this.controls.deps.restoreAll(this.states.all())
    this.countsChanged()
    this.scheduleDispatch()
    this.feed.schedule()
    return restored
  }

  async close(): Promise<void> {
    if (this.shut) return
    this.shut = true
    const now = Date.now()
    for (const job of this.states.all()) {
      if (isTerminal(job.state)) continue
      if (job.workerId === 0) this.cancelUnstarted(job, 'the engine was closed', now)
      else job.stopping = 'cancel'
    }
    this.controls.close() // gates stop sampling, streams stop reading
    await this.pool.closeAll()
    // Apply every report the workers sent before they went, so each job ends in its final state.
    this.inbox.drainAll()
    // Every command group a worker left is ended before the engine says it is closed (the
    // exits above queued their jobs' endings behind those groups: applied here too).
    await this.groups.endAll()
    this.inbox.drainAll()
    this.feed.flushNow()
    await this.flushStore()
  }
}
