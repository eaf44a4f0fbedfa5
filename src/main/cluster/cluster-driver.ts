// A stand-in for the engine that drives a RemoteExecutor through the Executor interface only,
// for the cluster tests and the bench (the product wires the real engine: engine-link.ts). It
// plays the engine's role and nothing more: a priority queue (higher first, FIFO within a
// priority), packs sized from each kind's measured run time (many short jobs per BullMQ job,
// long jobs one at a time), no more packs out than the agents take at once, timeouts (a
// cancel with reason "timeout", then a grace period), retries with exponential backoff, and
// exactly one terminal state per job, so the tests can count what the executor delivers
// without a local worker pool in the way.
import { join } from 'node:path'
import type { JobError, JobState, JobView, ResultFileRef } from '../../shared/job.ts'
import type { ValidJobSpec } from '../../shared/schemas.ts'
import type { Executor, ExecutorExit } from '../engine/executors/executor.ts'
import {
  EV_DONE,
  EV_DROPPED,
  EV_FAILED,
  EV_PROGRESS,
  EV_STARTED,
  EV_STARTED_ENDED,
  type FailureCode,
  type JobMessage,
} from '../engine/worker/protocol.ts'
import type { RemoteExecutor, RemoteExecutorHooks } from './remote-executor.ts'

export interface DriverOptions {
  logDir: string | null
  retryBackoffMs?: number
  graceMs?: number
  /** A pack holds about this much work (from the kind's mean run time). */
  packTargetMs?: number
  maxPack?: number
  /** Ids continue from the job database's (see cluster-history.ts). */
  firstId?: number
  batchId?: number
}

/** A job's view, plus the machine that ran its last attempt. */
export interface ClusterJobView extends JobView {
  agent: string | null
}

interface DriverJob {
  view: ClusterJobView
  params: Record<string, unknown>
  seq: number
  out: boolean
  stopping: 'cancel' | 'timeout' | null
  timer: NodeJS.Timeout | null
}

const MAX_BACKOFF_MS = 60_000
/** A submit (or a waiter counting its jobs) looks at the clock every SLICE_CHECK jobs, and yields once a slice has run this long. */
const SLICE_MS = 3
const SLICE_CHECK = 64

export class ClusterDriver {
  private readonly jobs = new Map<number, DriverJob>()
  private readonly queued: DriverJob[] = []
  private readonly cost = new Map<string, number>()
  private readonly settledListeners = new Set<(job: ClusterJobView) => void>()
  /**
   * `open` counts the waited-for ids not settled yet (each settles once), so `ids` is only read,
   * never shrunk. A run of consecutive ids (a whole submit's) is kept as its bounds, counted a
   * slice per turn of the loop: `next` is the first id not counted yet.
   */
  private readonly waiters = new Set<{
    ids: Set<number> | { lo: number; hi: number; next: number }
    open: number
    resolve: () => void
  }>()
  private executor: RemoteExecutor | null = null
  private nextId = 1
  private seq = 0
  private paused = false
  private readonly ticker: NodeJS.Timeout
  private readonly options: DriverOptions
  /** Settled jobs whose state changed more than once (must stay 0: the exactly-once check). */
  duplicateEnds = 0

  constructor(options: DriverOptions) {
    this.options = options
    this.nextId = options.firstId ?? 1
    // Capacity follows the agents' telemetry: look again now and then.
    this.ticker = setInterval(() => this.dispatch(), 100)
    this.ticker.unref()
  }

  /** The hooks to build the RemoteExecutor with; attach() it next. */
  readonly hooks: RemoteExecutorHooks = {
    onHello: () => this.dispatch(),
    onEvents: (_executor: Executor, events: unknown[]) => this.onEvents(events),
    onExit: (_executor: Executor, exit: ExecutorExit) => this.onExit(exit),
    onPlacement: (_executor, jobId, machine) => {
      const job = this.jobs.get(jobId)
      if (job) job.view.agent = machine
    },
  }

  attach(executor: RemoteExecutor): void {
    this.executor = executor
    this.dispatch()
  }

  /**
   * Queues the jobs, a slice per turn of the event loop (100,000 jobs never hold it for long),
   * and dispatches as they come. A slice ends after SLICE_MS rather than a count of jobs:
   * the first slices run cold (not yet optimized) code, several times slower than the rest.
   */
  async submit(specs: ValidJobSpec[]): Promise<number[]> {
    const ids: number[] = []
    const now = Date.now()
    let sliceStart = performance.now()
    for (let i = 0; i < specs.length; i++) {
      if (i > 0 && i % SLICE_CHECK === 0 && performance.now() - sliceStart >= SLICE_MS) {
        this.dispatch()
        await new Promise<void>((resolve) => setImmediate(resolve))
        sliceStart = performance.now()
      }
      const spec = specs[i]!
      const id = this.nextId++
      const view: ClusterJobView = {
        id,
        batchId: this.options.batchId ?? 1,
        name: spec.name ?? `${spec.kind} #${id}`,
        kind: spec.kind,
        lane: spec.lane ?? 'cpu',
        executor: spec.executor === 'process' ? 'process' : 'thread',
        priority: spec.priority ?? 0,
        state: 'queued',
        attempts: 0,
        maxRetries: spec.retries ?? 0,
        timeoutMs: spec.timeoutMs ?? null,
        progress: 0,
        note: null,
        workerId: null,
        createdAt: now,
        startedAt: null,
        endedAt: null,
        logFile: null,
        agent: null,
      }
      const job: DriverJob = { view, params: spec.params, seq: 0, out: false, stopping: null, timer: null }
      this.jobs.set(id, job)
      this.enqueue(job)
      ids.push(id)
    }
    this.dispatch()
    return ids
  }

  getJob(id: number): ClusterJobView | undefined {
    return this.jobs.get(id)?.view
  }

  listJobs(): ClusterJobView[] {
    return [...this.jobs.values()].map((j) => j.view)
  }

  onJobSettled(listener: (job: ClusterJobView) => void): () => void {
    this.settledListeners.add(listener)
    return () => this.settledListeners.delete(listener)
  }

  whenSettled(ids: number[] = [...this.jobs.keys()]): Promise<void> {
    let consecutive = ids.length > 0
    for (let i = 1; i < ids.length && consecutive; i++) consecutive = ids[i] === ids[i - 1]! + 1
    if (!consecutive) {
      const open = new Set(ids.filter((id) => !isEnded(this.jobs.get(id)?.view.state)))
      if (open.size === 0) return Promise.resolve()
      return new Promise((resolve) => this.waiters.add({ ids: open, open: open.size, resolve }))
    }
    return new Promise((resolve) => {
      const range = { lo: ids[0]!, hi: ids[ids.length - 1]!, next: ids[0]! }
      const waiter = { ids: range, open: 0, resolve }
      this.waiters.add(waiter)
      // Counting 100,000 jobs' states is a long turn of its own (and a submit's end is busy).
      // Called a few times per batch, it runs as cold code: a slice ends after a few ms of work.
      const count = () => {
        const started = performance.now()
        while (range.next <= range.hi && performance.now() - started < SLICE_MS) {
          const until = Math.min(range.hi, range.next + SLICE_CHECK - 1)
          for (let id = range.next; id <= until; id++) if (!isEnded(this.jobs.get(id)?.view.state)) waiter.open++
          range.next = until + 1
        }
        if (range.next <= range.hi) setImmediate(count)
        else if (waiter.open === 0) {
          this.waiters.delete(waiter)
          resolve()
        }
      }
      count()
    })
  }

  cancel(ids: number[]): number {
    let n = 0
    for (const id of ids) {
      const job = this.jobs.get(id)
      if (!job || isEnded(job.view.state)) continue
      n++
      if (!job.out) {
        const at = this.queued.indexOf(job)
        if (at >= 0) this.queued.splice(at, 1)
        this.finish(job, 'cancelled', { code: 'cancelled', message: 'cancelled' })
      } else this.stop(job, 'cancel')
    }
    return n
  }

  /** Stops handing out packs, and pauses the BullMQ queue so agents take none of those already queued. */
  async pause(): Promise<void> {
    this.paused = true
    await this.executor?.queue.pause()
  }

  async resume(): Promise<void> {
    this.paused = false
    await this.executor?.queue.resume()
    this.dispatch()
  }

  close(): void {
    clearInterval(this.ticker)
    for (const job of this.jobs.values()) if (job.timer) clearTimeout(job.timer)
  }

  // ---- the engine's part ---------------------------------------------------------------------

  private enqueue(job: DriverJob): void {
    job.seq = this.seq++
    // Sorted: higher priority first, then first come; a binary search keeps inserts cheap.
    let lo = 0
    let hi = this.queued.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const other = this.queued[mid]!
      if (other.view.priority > job.view.priority || (other.view.priority === job.view.priority && other.seq < job.seq))
        lo = mid + 1
      else hi = mid
    }
    // At the end (a submit's common case) a push: splice allocates the array it returns.
    if (lo === this.queued.length) this.queued.push(job)
    else this.queued.splice(lo, 0, job)
  }

  private dispatch(): void {
    const executor = this.executor
    if (!executor || this.paused) return
    // One pack more than the agents take at once, so the next is waiting in Redis when a slot frees.
    const limit = executor.packCapacity() + 1
    while (this.queued.length && executor.inFlight() < limit) {
      const head = this.queued[0]!
      const mean = this.cost.get(head.view.kind)
      const size =
        mean === undefined
          ? 1
          : Math.max(
              1,
              Math.min(this.options.maxPack ?? 1000, Math.floor((this.options.packTargetMs ?? 50) / Math.max(mean, 0.001))),
            )
      // Never more than an even share of what waits per pack the agents take at once: a kind
      // learned as short from small jobs (a warm-up) would otherwise send a batch of long ones
      // to one agent in one pack, while the others wait.
      const share = Math.ceil(this.queued.length / Math.max(1, executor.packCapacity()))
      const batch = this.queued.splice(0, Math.min(size, share))
      const messages: JobMessage[] = batch.map((job) => {
        job.out = true
        return [job.view.id, job.view.kind, job.params, job.view.attempts + 1]
      })
      executor.run(messages, {
        priority: head.view.priority,
        cpuMs: head.view.lane !== 'cpu' ? 0 : mean === undefined ? undefined : mean * batch.length,
      })
    }
  }

  private onEvents(e: unknown[]): void {
    let i = 0
    while (i < e.length) {
      const type = e[i] as number
      const job = this.jobs.get(e[i + 1] as number)
      const live = job !== undefined && job.out && !isEnded(job.view.state)
      switch (type) {
        case EV_STARTED:
        case EV_STARTED_ENDED:
          if (live) this.started(job, e[i + 2] as number, type === EV_STARTED_ENDED)
          i += 3
          break
        case EV_DONE:
          if (live) {
            job.view.result = e[i + 3]
            if (e[i + 4]) job.view.resultFile = e[i + 4] as ResultFileRef
            this.learn(job, e[i + 2] as number)
            this.hasLog(job, e[i + 5] === true)
            this.finish(job, 'succeeded', undefined, e[i + 2] as number)
          } else if (job) this.duplicateEnds++
          i += 6
          break
        case EV_FAILED:
          if (live) {
            this.hasLog(job, e[i + 5] === true)
            this.failed(job, e[i + 3] as FailureCode, e[i + 4] as string, e[i + 2] as number)
          } else if (job) this.duplicateEnds++
          i += 6
          break
        case EV_PROGRESS:
          if (live && job.view.state === 'running') {
            job.view.progress = e[i + 2] as number
            job.view.note = (e[i + 3] as string | null) ?? null
          }
          i += 4
          break
        case EV_DROPPED:
          if (live) this.finish(job, 'cancelled', { code: 'cancelled', message: 'cancelled before it started' })
          i += 2
          break
        default:
          i = e.length
      }
    }
    this.dispatch()
  }

  private started(job: DriverJob, at: number, ending: boolean): void {
    job.view.attempts++
    job.view.startedAt = at
    job.view.progress = 0
    job.view.error = undefined
    if (ending) return
    job.view.state = 'running'
    if (job.stopping) this.stop(job, job.stopping)
    else if (job.view.timeoutMs) job.timer = setTimeout(() => this.stop(job, 'timeout'), job.view.timeoutMs)
  }

  /** Asks the agent to stop it; after the grace period it ends here whatever the agent says. */
  private stop(job: DriverJob, reason: 'cancel' | 'timeout'): void {
    job.stopping = reason
    this.executor?.cancel(job.view.id, reason)
    if (job.timer) clearTimeout(job.timer)
    job.timer = setTimeout(() => {
      job.timer = null
      if (isEnded(job.view.state)) return
      if (reason === 'cancel') this.finish(job, 'cancelled', { code: 'cancelled', message: 'cancelled' })
      else this.failed(job, 'timeout', 'timed out', Date.now())
    }, this.options.graceMs ?? 5000)
  }

  private failed(job: DriverJob, code: FailureCode, message: string, at: number): void {
    if (code === 'cancelled' || job.stopping === 'cancel')
      return this.finish(job, 'cancelled', { code: 'cancelled', message: 'cancelled' }, at)
    const state: JobState = code === 'timeout' || job.stopping === 'timeout' ? 'timed-out' : 'failed'
    const error: JobError =
      state === 'timed-out' ? { code: 'timeout', message: `timed out after ${job.view.timeoutMs} ms` } : { code, message }
    if (job.view.attempts <= job.view.maxRetries) {
      // Retried as on one machine: exponential backoff, then back in the queue (any agent may take it).
      if (job.timer) clearTimeout(job.timer)
      job.view.state = 'retrying'
      job.view.error = error
      job.out = false
      job.stopping = null
      const delay = Math.min(MAX_BACKOFF_MS, (this.options.retryBackoffMs ?? 500) * 2 ** (job.view.attempts - 1))
      job.timer = setTimeout(() => {
        job.timer = null
        if (job.view.state !== 'retrying') return
        job.view.state = 'queued'
        this.enqueue(job)
        this.dispatch()
      }, delay)
      return
    }
    this.finish(job, state, error, at)
  }

  private finish(job: DriverJob, state: JobState, error: JobError | undefined, at = Date.now()): void {
    if (isEnded(job.view.state)) {
      this.duplicateEnds++
      return
    }
    if (job.timer) clearTimeout(job.timer)
    job.timer = null
    job.out = false
    job.view.state = state
    job.view.endedAt = at
    if (state === 'succeeded') job.view.progress = 1
    if (error) job.view.error = error
    if (this.settledListeners.size) for (const listener of this.settledListeners) listener(job.view)
    // Deleting from a set of 100,000 ids shrinks (copies) it again and again: a count instead.
    const id = job.view.id
    for (const waiter of this.waiters) {
      const ids = waiter.ids
      // An id of a run not counted yet is not counted once it has ended.
      if (ids instanceof Set ? !ids.has(id) : id < ids.lo || id >= ids.next) continue
      if (--waiter.open === 0 && (ids instanceof Set || ids.next > ids.hi)) {
        this.waiters.delete(waiter)
        waiter.resolve()
      }
    }
  }

  private hasLog(job: DriverJob, has: boolean): void {
    if (has && this.options.logDir) job.view.logFile = join(this.options.logDir, `${job.view.id}.log`)
  }

  private learn(job: DriverJob, endedAt: number): void {
    if (job.view.startedAt === null) return
    const ms = Math.max(0, endedAt - job.view.startedAt)
    const previous = this.cost.get(job.view.kind)
    this.cost.set(job.view.kind, previous === undefined ? ms : previous * 0.8 + ms * 0.2)
  }

  /** The executor is gone (terminated or closed): what it held goes back to the queue, as the engine does. */
  private onExit(_exit: ExecutorExit): void {
    for (const job of this.jobs.values()) {
      if (!job.out || isEnded(job.view.state)) continue
      job.out = false
      if (job.view.state === 'running') job.view.state = 'queued'
      this.enqueue(job)
    }
  }
}

function isEnded(state: JobState | undefined): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled' || state === 'timed-out' || state === 'interrupted'
}
