// Feeds a streamed template batch to the engine without holding it whole: checked specs come
// from streamSubmission as the input is read, and go to the engine in chunks while fewer than
// `window` of its jobs are unfinished; finished jobs are dropped from the engine's memory
// (their rows stay in the database). The first chunk is a `submit`, the others go into the
// same batch with `appendToBatch`, so a stream of any length is one batch. Finished jobs are
// cleared with keepBatchCounts, so the engine's view of the batch still counts them all. When
// the batch is cancelled (engine.cancelBatch, e.g. the window's Cancel) the feed stops reading
// its input at once, even while it waits for the next line. Until the engine
// pulls from a stream itself (docs/streaming-notes.md), the CLI drives it this way.
import type { JobState } from '../shared/job.ts'
import type { ValidJobSpec } from '../shared/schemas.ts'
import type { BatchRow, Engine } from '../main/engine/index.ts'
import type { IndexedSpec } from '../main/engine/submission.ts'

export interface FeedOptions {
  name: string
  /** The batch file's path, kept with the batch for --resume. */
  source?: string
  /** A resumed run: its batch's row (every chunk then goes into it). */
  continues?: BatchRow
  /** At most this many of the batch's jobs unfinished in the engine at once. */
  window?: number
  /** While waiting on a slow input with workers short of work, submit what has been read after this long. */
  idleFlushMs?: number
  /** Awaited before each chunk: e.g. until a slow reader of --json lines has caught up. */
  backpressure?: () => Promise<void>
  /**
   * Called once the input has been read to its end and its last chunk queued (not after a
   * stop or a bad input): the batch is whole, so a later --resume need not read on.
   */
  complete?: (batchId: number) => Promise<void>
}

export interface FeedProgress {
  /** Jobs handed to the engine so far. */
  submitted: number
  settled: number
  /** Settled jobs by state. */
  counts: Partial<Record<JobState, number>>
  /** Whether the input has been read to its end (the total is then known). */
  inputEnded: boolean
  /** The batch was cancelled (cancelBatch): the rest of the input was not read. */
  cancelled: boolean
}

const DEFAULT_WINDOW = 10_000

export class StreamFeed {
  private readonly engine: Engine
  private readonly options: Required<Omit<FeedOptions, 'source' | 'continues' | 'backpressure' | 'complete'>> &
    Pick<FeedOptions, 'source' | 'continues' | 'backpressure' | 'complete'>
  private chunk: ValidJobSpec[] = []
  private flushing: Promise<void> = Promise.resolve()
  private readonly progressState: FeedProgress = { submitted: 0, settled: 0, counts: {}, inputEnded: false, cancelled: false }
  private stopped = false
  /** The batch every chunk after the first goes into. */
  private batch: BatchRow | null
  private waitingForInput = false
  private roomWaiter: { limit: number; resolve: () => void } | null = null
  private settledSinceClear = 0
  private readonly unsubscribe: () => void
  private readonly unsubscribeCancel: () => void
  /** Ends the current wait for the next input when the batch is cancelled. */
  private wakeOnCancel: (() => void) | null = null
  /** Batches cancelled while the first chunk's submit was under way (one may be this feed's). */
  private readonly cancelledEarly = new Set<number>()

  constructor(engine: Engine, options: FeedOptions) {
    this.engine = engine
    this.options = { window: DEFAULT_WINDOW, idleFlushMs: 20, ...options }
    this.batch = options.continues ?? null
    this.unsubscribe = engine.onJobSettled((job) => {
      const p = this.progressState
      p.settled++
      p.counts[job.state] = (p.counts[job.state] ?? 0) + 1
      this.settledSinceClear++
      if (this.roomWaiter && this.unfinished() <= this.roomWaiter.limit) {
        const { resolve } = this.roomWaiter
        this.roomWaiter = null
        resolve()
      }
    })
    this.unsubscribeCancel = engine.onBatchCancelled((batchId) => {
      if (!this.batch) this.cancelledEarly.add(batchId)
      else if (batchId === this.batch.id) this.cancelled()
    })
  }

  private cancelled(): void {
    this.progressState.cancelled = true
    this.stopped = true
    this.chunk = []
    this.wakeOnCancel?.()
  }

  /**
   * The next input, or 'cancelled' as soon as the batch is. Not Promise.race with one
   * long-lived cancel promise: each race would leave a reaction on it, one per input, held
   * for the whole stream.
   */
  private nextOrCancel(iterator: AsyncIterator<IndexedSpec>): Promise<IteratorResult<IndexedSpec> | 'cancelled'> {
    return new Promise<IteratorResult<IndexedSpec> | 'cancelled'>((resolve, reject) => {
      this.wakeOnCancel = () => resolve('cancelled')
      iterator.next().then(resolve, reject)
    }).finally(() => (this.wakeOnCancel = null))
  }

  get progress(): Readonly<FeedProgress> {
    return this.progressState
  }

  /** The stream's batch id, once its first chunk is queued. */
  get batchId(): number | null {
    return this.batch?.id ?? null
  }

  private unfinished(): number {
    return this.progressState.submitted - this.progressState.settled
  }

  /** Reads the whole stream into the engine; resolves when every job it queued has settled. */
  async run(specs: AsyncIterable<IndexedSpec>): Promise<void> {
    // A slow input (a pipe) must not leave the workers idle: what has been read is submitted
    // after a short wait, but only while they are short of work, so a fast input still goes in
    // large chunks (few batches until the engine takes a stream).
    const idle = setInterval(() => {
      if (this.waitingForInput && this.chunk.length > 0 && this.unfinished() < 2 * this.engine.stats().limits.cpuSlots)
        void this.flush()
    }, this.options.idleFlushMs)
    let ended = false
    try {
      const iterator = specs[Symbol.asyncIterator]()
      for (;;) {
        if (this.stopped) break
        this.waitingForInput = true
        const next = await this.nextOrCancel(iterator)
        this.waitingForInput = false
        ended = next !== 'cancelled' && next.done === true && !this.stopped
        if (next === 'cancelled' || next.done || this.stopped) break
        this.chunk.push(next.value.spec)
        if (this.chunk.length >= this.chunkSize()) await this.flush()
      }
      // A cancel may come while a read is pending (a pipe with nothing to say): the iterator's
      // return would wait behind that read, so it is not awaited then.
      if (this.progressState.cancelled) void iterator.return?.()?.catch(() => {})
      else if (this.stopped) await iterator.return?.()
    } finally {
      clearInterval(idle)
      this.progressState.inputEnded = true
      await this.flush()
    }
    if (ended && this.batch) await this.options.complete?.(this.batch.id)
    await this.room(0)
    this.unsubscribe()
    this.unsubscribeCancel()
    this.engine.clearFinished({ keepBatchCounts: true })
  }

  /** Counts jobs already in the engine (a resumed run's unfinished ones) as fed: the feed waits for them too. */
  adopt(unfinished: number): void {
    this.progressState.submitted += unfinished
  }

  /** Stops reading; what was already queued is left to the caller (cancel it, or let it finish). */
  stop(): void {
    this.stopped = true
  }

  /** Half the window: a slow input is submitted sooner by the idle timer (see run). */
  private chunkSize(): number {
    return Math.max(1, this.options.window / 2)
  }

  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.chunk.length === 0) return
      const jobs = this.chunk
      this.chunk = []
      if (this.unfinished() + jobs.length > this.options.window) await this.room(this.options.window - jobs.length)
      // Finished jobs are already on their way to the database; keep only the live ones in memory.
      if (this.settledSinceClear >= this.options.window / 2) {
        this.engine.clearFinished({ keepBatchCounts: true })
        this.settledSinceClear = 0
      }
      // Rows of finished jobs wait in the store's queue until committed: let it catch up once
      // per chunk, or a fast batch would pile its whole history up in memory there.
      await this.engine.flushStore()
      await this.options.backpressure?.()
      // Cancelled while this chunk waited: it is dropped (the batch takes no more jobs).
      if (this.progressState.cancelled) return
      // A cancel during a long append stops it part-way: what was queued is counted.
      if (this.batch) {
        this.progressState.submitted += (await this.engine.appendToBatch(this.batch, { jobs })).jobIds.length
        return
      }
      const { name, source } = this.options
      const { batchId, jobIds } = await this.engine.submit({ name, source, jobs })
      const createdAt = this.engine.batches().find((b) => b.id === batchId)?.createdAt ?? Date.now()
      this.batch = { id: batchId, name, source: source ?? null, createdAt }
      this.progressState.submitted += jobIds.length
      // Cancelled before submit came back (the feed did not know its id yet).
      if (this.cancelledEarly.has(batchId)) this.cancelled()
      this.cancelledEarly.clear()
    })
    return this.flushing
  }

  /** Resolves once at most `limit` of the fed jobs are unfinished. */
  private room(limit: number): Promise<void> {
    if (this.unfinished() <= limit) return Promise.resolve()
    return new Promise((resolve) => (this.roomWaiter = { limit, resolve }))
  }
}
