// The job state machine: the jobs the engine holds, their counts by state (overall and per
// batch), and every transition, queued → running → succeeded | failed | cancelled |
// timed-out, with retrying (a backoff between attempts) and interrupted (restored from a run
// that stopped). Whoever waits on a job (run(), whenSettled, onJobSettled) is told here.
import { emptyCounts, isTerminal, type JobError, type JobState, type JobView } from '../../shared/job.ts'
import { Batch } from './batch.ts'
import type { BatchRow } from './store/rows.ts'
import type { Executor } from './executors/executor.ts'
import type { JobRecord } from './job-record.ts'
import { JobTable } from './job-table.ts'
import type { StopControl } from './stop-control.ts'
import type { JobFilter } from './types.ts'

export interface StateHooks {
  readonly epoch: number
  readonly stop: StopControl<JobRecord, Executor>
  /** No new attempts once the engine is closing. */
  closed(): boolean
  view(job: JobRecord): JobView
  /** A job changed (it goes to the feed and the store). */
  changed(job: JobRecord): void
  /** Counts changed (the batches and stats views are due). */
  countsChanged(): void
  /** Jobs back to the front of their queue (a job stopped to free memory, --mem-free). */
  putBack?(jobs: JobRecord[]): void
}

export class JobStates {
  // Lookups go through get(), so a later bounded window of materialized jobs (streaming
  // batches) can change what this holds without touching the pieces that ask.
  private readonly jobs = new JobTable<JobRecord>()
  readonly batches = new Map<number, Batch>()
  readonly counts = emptyCounts()
  private unsettled = 0
  private readonly settledListeners = new Set<(job: JobView) => void>()
  private readonly waiters = new Set<{ ids: Set<number> | null; resolve: () => void }>()
  /** run() callers, by job id. */
  private readonly jobWaiters = new Map<number, (view: JobView) => void>()
  private readonly hooks: StateHooks

  constructor(hooks: StateHooks) {
    this.hooks = hooks
  }

  get size(): number {
    return this.jobs.size
  }

  get(id: number): JobRecord | undefined {
    return this.jobs.get(id)
  }

  all(): IterableIterator<JobRecord> {
    return this.jobs.values()
  }

  /** A page of jobs, optionally of one state or batch, in the order they came. */
  list(filter: JobFilter, view: (job: JobRecord) => JobView): { total: number; jobs: JobView[] } {
    const offset = filter.offset ?? 0
    const limit = filter.limit ?? 1000
    const jobs: JobView[] = []
    let total = 0
    for (const job of this.jobs.values()) {
      if (filter.state && job.state !== filter.state) continue
      if (filter.batchId && job.batchId !== filter.batchId) continue
      if (total >= offset && jobs.length < limit) jobs.push(view(job))
      total++
    }
    return { total, jobs }
  }

  /** A new job, queued. */
  add(job: JobRecord): void {
    this.jobs.set(job)
    this.counts.queued++
    this.unsettled++
    this.hooks.changed(job)
  }

  /** A job brought back from the store, placed in its state directly: restoring is not an event. */
  place(job: JobRecord, batch: Batch): void {
    this.jobs.set(job)
    this.counts[job.state]++
    batch.add(1)
    if (job.state !== 'queued') batch.move('queued', job.state)
    if (!isTerminal(job.state)) this.unsettled++
  }

  /**
   * A finished job that had left memory comes back (read from its row: a stream's job that a
   * retry brings back), in its state, to be moved on from there. A streamed batch still counts
   * the jobs it dropped, so only a batch that does not count any job in that state (one brought
   * back from its row after a restart) counts it anew.
   */
  readmit(job: JobRecord): void {
    if (this.jobs.has(job.id)) return
    this.jobs.set(job)
    this.counts[job.state]++
    const batch = this.batches.get(job.batchId)
    if (batch && batch.counts[job.state] === 0) {
      batch.add(1)
      batch.move('queued', job.state)
    }
  }

  /**
   * Finished jobs leave memory (their rows stay in the store). With keepBatchCounts (a streamed
   * batch dropping what is persisted) each batch still counts them, so its total, progress and
   * ETA cover the whole batch; without it (the user's "Clear finished") the batches forget
   * their finished jobs too, and a batch with nothing left goes.
   */
  clearFinished(keepBatchCounts: boolean, removed: (job: JobRecord) => void, batchId?: number): number {
    let count = 0
    for (const job of this.jobs.values()) {
      // A stream clears only its own batch's finished jobs (keepBatchCounts), not the other batches' in the window.
      if (!isTerminal(job.state) || (batchId !== undefined && job.batchId !== batchId)) continue
      this.jobs.delete(job.id)
      this.counts[job.state]--
      removed(job)
      count++
    }
    if (keepBatchCounts) return count
    for (const batch of this.batches.values()) {
      batch.forgetFinished()
      if (batch.total === 0) this.batches.delete(batch.id)
    }
    return count
  }

  /** A batch's tracker; one whose jobs have all left memory (cleared, or never loaded) comes back from its row. */
  trackerOf(row: BatchRow): Batch {
    let tracker = this.batches.get(row.id)
    if (!tracker) this.batches.set(row.id, (tracker = new Batch(row.id, row.name, row.source, row.createdAt)))
    return tracker
  }

  /** The ids of a batch's jobs in memory that have not finished (cancelBatch). */
  unfinishedOf(batchId: number): number[] {
    const ids: number[] = []
    for (const job of this.jobs.values()) if (job.batchId === batchId && !isTerminal(job.state)) ids.push(job.id)
    return ids
  }

  setState(job: JobRecord, state: JobState): void {
    const from = job.state
    if (from === state) return this.hooks.changed(job)
    job.state = state
    this.counts[from]--
    this.counts[state]++
    this.batches.get(job.batchId)?.move(from, state)
    this.hooks.countsChanged()
    this.hooks.changed(job)
    const nowTerminal = isTerminal(state)
    if (nowTerminal !== isTerminal(from)) {
      this.unsettled += nowTerminal ? -1 : 1
      if (nowTerminal) this.settled(job)
    }
  }

  finish(job: JobRecord, state: JobState, error: JobError | null, endedAt: number): void {
    if (state === 'cancelled' && job.requeueReason !== null && this.hooks.putBack && !this.hooks.closed()) {
      // Stopped to free memory (batch-gates.ts): back to the queue, to run again, not ended.
      this.hooks.stop.clear(job)
      job.stopping = null
      job.note = job.requeueReason
      job.requeueReason = null
      job.attempts = Math.max(0, job.attempts - 1)
      this.setState(job, 'queued')
      return this.hooks.putBack([job])
    }
    this.hooks.stop.clear(job)
    job.stopping = null
    job.endedAt = endedAt - this.hooks.epoch
    if (error) job.error = error
    this.setState(job, state)
  }

  /** A failed attempt: retried with backoff while retries remain, otherwise final. */
  failAttempt(job: JobRecord, state: 'failed' | 'timed-out', error: JobError, endedAt: number): void {
    if (job.attempts > job.maxRetries || this.hooks.closed()) return this.finish(job, state, error, endedAt)
    job.stopping = null
    job.error = error
    job.endedAt = endedAt - this.hooks.epoch
    this.hooks.stop.backoff(job)
    this.setState(job, 'retrying')
  }

  /** Resolves with the job's final view (run()). */
  outcome(job: JobRecord): Promise<JobView> {
    return new Promise((resolve) => this.jobWaiters.set(job.id, resolve))
  }

  whenSettled(ids?: number[]): Promise<void> {
    const pending = ids ? new Set(ids.filter((id) => this.isUnsettled(id))) : null
    if (pending ? pending.size === 0 : this.unsettled === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.add({ ids: pending, resolve }))
  }

  onSettled(listener: (job: JobView) => void): () => void {
    this.settledListeners.add(listener)
    return () => this.settledListeners.delete(listener)
  }

  private isUnsettled(id: number): boolean {
    const job = this.jobs.get(id)
    return job !== undefined && !isTerminal(job.state)
  }

  private settled(job: JobRecord): void {
    const single = this.jobWaiters.size ? this.jobWaiters.get(job.id) : undefined
    if (this.settledListeners.size || single) {
      const view = this.hooks.view(job)
      if (this.settledListeners.size) for (const listener of this.settledListeners) listener(view)
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
}
