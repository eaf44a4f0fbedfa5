// The change feed: what subscribers (the window, web clients) see of the engine, coalesced.
// Changes are marked as they happen (cheaply: a set of dirty jobs and three flags) and
// delivered together every eventIntervalMs, at most FEED_MAX_JOBS job views at a time. A
// subscriber may follow only the newest N jobs (its window); views of older jobs are never
// built for it, and none at all when no subscriber is listening.
import type { BatchView, EngineStats, JobView, WorkerView } from '../../shared/job.ts'
import type { EngineChanges } from './types.ts'

/** The most job views one delivery carries. */
export const FEED_MAX_JOBS = 5000

/** What the feed reads from the engine when it delivers. */
export interface FeedSource<J> {
  view(job: J): JobView
  workers(): WorkerView[]
  batches(): BatchView[]
  stats(): EngineStats
  /** The newest job id given out so far: windows count back from it. */
  newestJobId(): number
}

export class ChangeFeed<J extends { readonly id: number }> {
  /** Each listener with how many of the newest jobs it follows (Infinity: all). */
  private readonly subscribers = new Map<(changes: EngineChanges) => void, number>()
  /** The widest of those: jobs older than the newest this-many are left out of the feed. */
  private window = Infinity
  private dirtyJobs = new Set<J>()
  private removedIds: number[] = []
  private workersDirty = false
  private batchesDirty = false
  private statsDirty = false
  private timer: NodeJS.Timeout | null = null
  private readonly source: FeedSource<J>
  private readonly intervalMs: number

  constructor(source: FeedSource<J>, intervalMs: number) {
    this.source = source
    this.intervalMs = intervalMs
  }

  /** Someone is listening (when no one is, changes cost nothing). */
  get listening(): boolean {
    return this.subscribers.size > 0
  }

  subscribe(listener: (changes: EngineChanges) => void, newestJobs = Infinity): () => void {
    this.subscribers.set(listener, newestJobs)
    this.window = Math.max(...this.subscribers.values())
    return () => {
      this.subscribers.delete(listener)
      this.window = this.subscribers.size ? Math.max(...this.subscribers.values()) : Infinity
    }
  }

  /** A job changed: its view goes out with the next delivery, if some subscriber's window holds it. */
  job(job: J): void {
    if (this.subscribers.size === 0 || !this.inWindow(job)) return
    this.dirtyJobs.add(job)
    this.schedule()
  }

  /** A job left the engine (cleared). */
  removed(job: J): void {
    this.dirtyJobs.delete(job)
    if (this.subscribers.size) this.removedIds.push(job.id)
  }

  /** Marks the worker list, the batches or the stats as changed; deliveries are scheduled by schedule(). */
  workersChanged(): void {
    this.workersDirty = true
  }

  batchesChanged(): void {
    this.batchesDirty = true
  }

  statsChanged(): void {
    this.statsDirty = true
  }

  /** Job counts changed: the batches and the stats are due. */
  countsChanged(): void {
    this.batchesDirty = this.statsDirty = true
  }

  schedule(): void {
    if (this.timer || this.subscribers.size === 0) return
    this.timer = setTimeout(this.flush, this.intervalMs)
  }

  /** Delivers what is pending now (the engine closing). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer)
    this.flush()
  }

  private inWindow(job: J): boolean {
    return job.id > this.floor(this.window)
  }

  /** Jobs with ids above this are the newest `window` ones. */
  private floor(window: number): number {
    return this.source.newestJobId() - window
  }

  private readonly flush = (): void => {
    this.timer = null
    if (this.subscribers.size === 0) return
    const changes: EngineChanges = {
      jobs: [],
      removed: this.removedIds,
      workers: this.workersDirty ? this.source.workers() : null,
      batches: this.batchesDirty ? this.source.batches() : null,
      stats: this.statsDirty ? this.source.stats() : null,
    }
    // At most FEED_MAX_JOBS views per delivery: the rest stay dirty for the next one, so a burst
    // of changes costs the loop a bounded slice each time (rows then catch up over a second or
    // so) instead of one long stall. Jobs that left the window since they changed are dropped.
    let carried: Set<J> | null = null
    for (const job of this.dirtyJobs) {
      if (!this.inWindow(job)) continue
      if (changes.jobs.length < FEED_MAX_JOBS) changes.jobs.push(this.source.view(job))
      else (carried ??= new Set()).add(job)
    }
    this.dirtyJobs = carried ?? new Set()
    if (carried) this.schedule()
    this.removedIds = []
    this.workersDirty = this.batchesDirty = this.statsDirty = false
    if (!changes.jobs.length && !changes.removed.length && !changes.workers && !changes.batches && !changes.stats) return
    for (const [listener, window] of this.subscribers) {
      if (window >= this.window) listener(changes)
      else {
        // A narrower window than the widest listener's: only its own newest jobs.
        const floor = this.floor(window)
        listener({ ...changes, jobs: changes.jobs.filter((job) => job.id > floor) })
      }
    }
  }
}
