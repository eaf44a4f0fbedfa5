// The engine pulling a batch from a stream (engine.submitStream): checked specs with their
// input index come from an async iterable (streamSubmission's output) and become jobs of one
// batch only while fewer than `window` of its jobs are unfinished; once the window is full the
// intake waits until the batch is down to its low-water mark (half the window), then reads
// again. Finished jobs leave memory once a slice of them has been handed to the store (their
// rows stay in the database; the batch keeps counting them). A cancel of the batch
// (cancelBatch) stops the reading at once, even while it waits for a quiet pipe. The CLI, the
// API host (a large count or range from the window) and the tests all go through here.
import { isTerminal } from '../../shared/job.ts'
import type { ValidJobSpec } from '../../shared/schemas.ts'
import { ValidationError } from '../../shared/validate.ts'
import type { Batch } from './batch.ts'
import type { JobRecord } from './job-record.ts'
import type { BatchRow } from './store/rows.ts'
import type { StreamDependencies, Resolved } from './stream-dependencies.ts'
import type { IndexedSpec } from './submission.ts'
import type { SubmitRequest } from './types.ts'

export const DEFAULT_WINDOW = 10_000

export interface StreamRequest extends Pick<SubmitRequest, 'name' | 'source' | 'delay' | 'maxLoad' | 'memFree'> {
  /** Checked specs with their input index, in input order (streamSubmission). Read once. */
  specs: AsyncIterable<IndexedSpec>
  /** Continue this batch (a resumed run) instead of creating one. */
  continues?: BatchRow
  /** Most of the batch's jobs unfinished at once (default 10,000); reading resumes at half. */
  window?: number
  /** How many jobs the batch will hold, when known (a count, a range): its view's total and ETA use it. */
  total?: number | null
  /**
   * Keep-order: the window counts from the oldest input not yet settled, not the unfinished
   * jobs, so whoever prints in input order holds at most `window` results.
   */
  ordered?: boolean
  /** The jobs may wait for earlier ones by name (`after`, see stream-dependencies.ts). */
  dependencies?: boolean
  /** How an error names input `index` (default `inputs[index]`). */
  inputField?: (index: number) => string
  /** Told of each job as it is made, with what it was made from (the CLI's joblog, results and keep-order). */
  onQueued?: (jobId: number, item: IndexedSpec) => void
  /** Awaited every 256 jobs when it returns a promise (e.g. stdout draining): slows the reading. */
  pace?: () => Promise<void> | null
}

export interface StreamProgress {
  /** Jobs made from the input so far. */
  read: number
  /** Whether the reading is over (the input ended, was stopped, or failed). */
  inputEnded: boolean
  /** The input was read to its end (not stopped, cancelled or cut by a bad input): the batch is whole. */
  exhausted: boolean
  /** The batch was cancelled: the rest of the input was not read. */
  cancelled: boolean
}

export interface StreamHandle {
  batchId: number
  /**
   * Resolves when the reading is over and every job of the batch has settled; rejects with the
   * input's error (a ValidationError naming the input) once the jobs already made have settled.
   */
  done: Promise<void>
  /** Stops reading; what is queued or running is left alone (cancelBatch cancels it too). */
  stop(): void
  readonly progress: StreamProgress
}

/** What the intake needs of the engine. */
export interface IntakeHost {
  /** Makes a job of the batch from a checked spec (queued, or held when `after` is given). */
  makeJob(batch: Batch, spec: ValidJobSpec, index: number, after: number[] | undefined): JobRecord
  readonly states: { get(id: number): JobRecord | undefined }
  clearFinished(options: { keepBatchCounts: boolean; batchId: number }): number
  flushStore(): Promise<void>
  /** The batch's view changed (its reading ended): the change feed tells the window. */
  countsChanged(): void
}

const STOP = Symbol('stop')

export class StreamIntake {
  readonly handle: StreamHandle
  private readonly host: IntakeHost
  private readonly deps: StreamDependencies
  private readonly batch: Batch
  private readonly request: StreamRequest
  private readonly window: number
  private readonly progress: StreamProgress = { read: 0, inputEnded: false, exhausted: false, cancelled: false }
  private stopped = false
  /** Ends a wait for the next input when the reading is stopped (a cancel, a halt, the engine closing). */
  private wake: (() => void) | null = null
  /** A wait for room (or for the batch to settle): checked at each settle, resolved only once it holds. */
  private waiter: { ready: () => boolean; stoppable: boolean; resolve: () => void } | null = null
  /** Keep-order: the ids made, in input order, from the oldest not settled. */
  private order: number[] = []
  private orderHead = 0
  private sinceTidy = 0

  constructor(host: IntakeHost, deps: StreamDependencies, batch: Batch, request: StreamRequest) {
    this.host = host
    this.deps = deps
    this.batch = batch
    this.request = request
    this.window = Math.max(2, request.window ?? DEFAULT_WINDOW)
    if (request.total != null) batch.expected = request.total
    batch.setReading(true)
    if (request.dependencies) deps.start(batch.id, this.window)
    const done = this.run()
    this.handle = { batchId: batch.id, done, stop: () => this.stop(), progress: this.progress }
  }

  /** A job of this batch settled: maybe there is room again (checked here, so a full window costs no promise per job). */
  settled(): void {
    const waiter = this.waiter
    if (waiter && waiter.ready()) {
      this.waiter = null
      waiter.resolve()
    }
  }

  /** The batch was cancelled (cancelBatch): reading stops at once. */
  cancelled(): void {
    this.progress.cancelled = true
    this.stop()
  }

  stop(): void {
    this.stopped = true
    this.wake?.()
    const waiter = this.waiter
    if (waiter?.stoppable) {
      this.waiter = null
      waiter.resolve()
    }
  }

  /** The jobs that count against the window: unfinished ones, or (keep-order) every one from the oldest unsettled. */
  private load(): number {
    if (!this.request.ordered) {
      const { queued, running, retrying } = this.batch.counts
      return queued + running + retrying
    }
    while (this.orderHead < this.order.length && this.isSettled(this.order[this.orderHead]!)) this.orderHead++
    if (this.orderHead > 4096 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead)
      this.orderHead = 0
    }
    return this.order.length - this.orderHead
  }

  private isSettled(id: number): boolean {
    const job = this.host.states.get(id)
    // Gone from memory means finished (only finished jobs are cleared).
    return job === undefined || isTerminal(job.state)
  }

  private async run(): Promise<void> {
    let failure: unknown = null
    const iterator = this.request.specs[Symbol.asyncIterator]()
    try {
      while (!this.stopped) {
        if (this.load() >= this.window) {
          await this.until(() => this.load() <= this.window / 2, true)
          continue
        }
        const next = await this.next(iterator)
        if (next === STOP || this.stopped) break
        if (next.done) {
          this.progress.exhausted = true
          break
        }
        const making = this.make(next.value)
        if (making) await making
        if ((this.progress.read & 255) === 0) await this.request.pace?.()
        if (++this.sinceTidy >= this.window / 2) await this.tidy()
      }
    } catch (error) {
      failure = error
    }
    // A read may be pending on a quiet pipe: the iterator's return would wait behind it.
    if (this.stopped) void Promise.resolve(iterator.return?.()).catch(() => {})
    this.progress.inputEnded = true
    this.batch.setReading(false)
    this.host.countsChanged()
    await this.until(() => this.unfinished() === 0, false)
    await this.tidy()
    this.deps.stop(this.batch.id)
    if (failure) throw failure
  }

  private unfinished(): number {
    const { queued, running, retrying } = this.batch.counts
    return queued + running + retrying
  }

  /** Makes the input's job: at once, or (a promise) once the store has found a name no longer remembered. */
  private make(item: IndexedSpec): Promise<void> | undefined {
    const { index, spec } = item
    let resolved: Resolved | Promise<Resolved> | null = null
    if (spec.after?.length) {
      const field = this.request.inputField?.(index) ?? `inputs[${index}]`
      // Never run a job early: a stream that was not told its jobs name others kept no names.
      if (!this.request.dependencies) {
        throw new ValidationError([
          { field: `${field}.after`, message: 'names jobs to wait for, but this stream was started without dependencies' },
        ])
      }
      resolved = this.deps.resolve(this.batch.id, index, spec.after, field)
      if (resolved instanceof Promise) return resolved.then((found) => this.made(item, found))
    }
    this.made(item, resolved)
  }

  private made(item: IndexedSpec, resolved: Resolved | null): void {
    const { index, spec } = item
    const job = this.host.makeJob(this.batch, spec, index, resolved?.ids.length ? resolved.ids : undefined)
    this.progress.read++
    if (this.request.dependencies) this.deps.added(job, index, resolved)
    if (this.request.ordered) this.order.push(job.id)
    this.request.onQueued?.(job.id, item)
  }

  /** Finished jobs leave memory, once the store has their rows (so its queue does not pile up). */
  private async tidy(): Promise<void> {
    this.sinceTidy = 0
    await this.host.flushStore()
    // Only this batch's: another batch's finished jobs stay in the window's list.
    this.host.clearFinished({ keepBatchCounts: true, batchId: this.batch.id })
  }

  /** The next input, or STOP as soon as the reading is stopped (without a race on a long-lived promise). */
  private next(iterator: AsyncIterator<IndexedSpec>): Promise<IteratorResult<IndexedSpec> | typeof STOP> {
    return new Promise<IteratorResult<IndexedSpec> | typeof STOP>((resolve, reject) => {
      this.wake = () => this.stopped && resolve(STOP)
      iterator.next().then(resolve, reject)
    }).finally(() => (this.wake = null))
  }

  /** Waits until `ready` holds (or, when `stoppable`, the reading is stopped), checking at each settle of the batch's jobs. */
  private async until(ready: () => boolean, stoppable: boolean): Promise<void> {
    if (ready() || (stoppable && this.stopped)) return
    await new Promise<void>((resolve) => (this.waiter = { ready, stoppable, resolve }))
  }
}

/** The streams being read, by batch: the engine's controls tell them of settles and cancels. */
export class StreamIntakes {
  private readonly intakes = new Map<number, StreamIntake>()

  get active(): boolean {
    return this.intakes.size > 0
  }

  start(host: IntakeHost, deps: StreamDependencies, batch: Batch, request: StreamRequest): StreamHandle {
    const intake = new StreamIntake(host, deps, batch, request)
    this.intakes.set(batch.id, intake)
    const forget = () => void this.intakes.delete(batch.id)
    intake.handle.done.then(forget, forget)
    return intake.handle
  }

  settled(batchId: number): void {
    this.intakes.get(batchId)?.settled()
  }

  cancelled(batchId: number): void {
    this.intakes.get(batchId)?.cancelled()
  }

  stopAll(): void {
    for (const intake of this.intakes.values()) intake.stop()
  }
}
