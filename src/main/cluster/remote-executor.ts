// The controller's side of the cluster: an Executor (engine/executors/executor.ts) whose jobs
// run on agents. `run` turns a batch of protocol JobMessages into one BullMQ job (a "pack":
// the engine's adaptive batching already put many short jobs together, or hands a long job
// alone), and BullMQ delivers each pack to whichever agent has a free slot. What the agents
// report comes back as BullMQ's own job events: progress data while a pack runs (a flat run
// of protocol events) and its return value when it ends (every job's end, the authoritative
// copy). They are fed to hooks.onEvents in the protocol's layout.
//
// BullMQ delivers at least once (a pack whose agent died is redone elsewhere), so this is
// where "exactly once" is made: each job's start and end pass through once; a second start,
// a second end, or events from a pack the job no longer belongs to are dropped.
import { Queue, QueueEvents } from 'bullmq'
import type { Redis } from 'ioredis'
import { parseAgentReport } from '../../shared/cluster.ts'
import type { ExecutorType, Lane, WorkerView } from '../../shared/job.ts'
import { ExecutorLoad } from '../engine/executors/executor-load.ts'
import type { Executor, ExecutorHooks } from '../engine/executors/executor.ts'
import { EventWriter, type JobMessage } from '../engine/worker/protocol.ts'
import { CancelSender } from './cancel-sender.ts'
import { isLongPack, type PackHint } from './pack-hint.ts'
import { readPackEnd } from './pack-lookup.ts'
import { filterReport, type HeldJob, type HeldJobs } from './report-filter.ts'
import { RecentMap } from './recent-map.ts'
import { ShippedLogs } from './shipped-logs.ts'
import { PREFIX, QUEUE } from './redis.ts'

/** What the engine may also want to hear from a remote executor: which machine a job runs on. */
export interface RemoteExecutorHooks extends ExecutorHooks {
  onPlacement?(executor: RemoteExecutor, jobId: number, machine: string): void
  /** A report that failed validation (never applied), or a log in one that did (left out): for logs. */
  onBadReport?(packId: string, error: string): void
  /** A pack's return value read before Redis had it: read again (a retry, not a fault). */
  onEarlyRead?(packId: string, note: string): void
}

export interface RemoteExecutorOptions {
  id: number
  controller: string
  /** Commands (adds, cancels). */
  connection: Redis
  /** QueueEvents reads a stream with blocking calls: a connection of its own. */
  eventsConnection: Redis
  lane?: Lane
  /** Where shipped job logs are written (`<logDir>/<job id>.log`); null: not kept. */
  logDir: string | null
  /** How many packs the cluster takes at once now (the agents' concurrency, from telemetry). */
  packCapacity?: () => number
  /** Packs not heard from for this long are looked up in Redis (a missed event). Default 3 s. */
  reconcileMs?: number
}

interface HeldPack {
  ids: number[]
  /** Its jobs not settled yet: the pack is forgotten at 0. */
  open: number
  heardAt: number
  /** In Redis (its add answered): only then can a look-up say it is gone. */
  queued: boolean
  /** Look-ups that found it completed with no return value yet (see apply). */
  emptyReads: number
}

const PACK_KEEP = { age: 3600, count: 10_000 }
/** The most jobs one pack carries (the engine's balancer sends at most MAX_BATCH anyway). */
const MAX_PACK_JOBS = 1000
/** How many job → agent placements outlive their jobs (the engine asks as it applies a start, maybe after the end). */
const PLACEMENTS_KEPT = 20_000
/** Look-ups of a completed pack with no return value before it is lost (an agent always sends one). */
const EMPTY_READS_KEPT = 10

export class RemoteExecutor implements Executor {
  readonly id: number
  readonly executor = 'thread' as const
  readonly lane: Lane
  readonly mode = 'concurrent' as const
  /** What it holds, kept by the engine's pool (take, started, release); this only reads it. */
  readonly load = new ExecutorLoad()
  /** It stands for the whole cluster: BullMQ picks the machine per pack (see machineOf). */
  readonly machine = 'cluster'
  readonly queue: Queue
  private events: QueueEvents | null = null
  /** Packs go out once the events stream is followed from a known point (none is missed). */
  private readonly ready: Promise<void>
  private readonly jobs = new Map<number, HeldJob>()
  private readonly packs = new Map<string, HeldPack>()
  /** The agent each recent job started on, kept past its end (newest last). */
  private readonly placed = new RecentMap<number, string>(PLACEMENTS_KEPT)
  private readonly cancels: CancelSender
  private nextPack = 1
  private chain: Promise<void> = Promise.resolve()
  private state: 'starting' | 'idle' | 'busy' | 'stopping' = 'starting'
  private gone = false
  private readonly reconcileTimer: NodeJS.Timeout
  /** On the caller's shared connection, so taken off it as this executor leaves. */
  private readonly onReconnect = (): void => this.reconcile(0)
  /** Its BullMQ objects closed (as it leaves, whichever way). */
  private closed: Promise<unknown> | null = null
  private readonly startedAt = Date.now()
  private jobsDone = 0
  private readonly logs: ShippedLogs | null
  /** What filterReport needs of it. */
  private readonly held: HeldJobs = {
    jobs: this.jobs,
    place: (id, job, machine) => this.place(id, job, machine),
    settle: (id, job) => this.settle(id, job),
  }

  private readonly options: RemoteExecutorOptions
  private readonly hooks: RemoteExecutorHooks

  constructor(options: RemoteExecutorOptions, hooks: RemoteExecutorHooks) {
    this.options = options
    this.hooks = hooks
    this.id = options.id
    this.lane = options.lane ?? 'cpu'
    this.logs = options.logDir ? new ShippedLogs(options.logDir) : null
    this.cancels = new CancelSender(options.connection, options.controller)
    this.queue = new Queue(QUEUE, { connection: options.connection, prefix: PREFIX })
    this.queue.on('error', () => {}) // ioredis reconnects by itself; reconcile() covers what was missed
    options.connection.on('ready', this.onReconnect)
    const every = options.reconcileMs ?? 3000
    this.reconcileTimer = setInterval(() => this.reconcile(every), every)
    this.reconcileTimer.unref()
    this.ready = this.follow()
    void this.ready.then(
      () => {
        if (this.gone) return
        this.state = 'idle'
        this.hooks.onHello(this, 0, null)
      },
      () => {},
    )
  }

  /**
   * Follows BullMQ's events stream from its newest entry as of now. QueueEvents alone starts
   * at "$" when its first blocking read is issued, a moment after it is built: a pack that
   * ended in that moment would be heard of only by reconcile().
   */
  private async follow(): Promise<void> {
    const stream = `${PREFIX}:${QUEUE}:events`
    const newest = await this.options.eventsConnection.xrevrange(stream, '+', '-', 'COUNT', 1)
    // Gone meanwhile (leave() closed what it had): nothing would read these events.
    if (this.gone) return
    const events = new QueueEvents(QUEUE, {
      connection: this.options.eventsConnection,
      prefix: PREFIX,
      lastEventId: newest[0]?.[0] ?? '0-0',
    })
    this.events = events
    const mine = (jobId: string) => this.packs.has(jobId)
    events.on('progress', ({ jobId, data }) => {
      if (mine(jobId)) this.enqueue(jobId, data, false)
    })
    events.on('completed', ({ jobId, returnvalue }) => {
      if (mine(jobId)) this.enqueue(jobId, returnvalue, true)
    })
    events.on('failed', ({ jobId, failedReason }) => {
      if (mine(jobId)) this.inTurn(jobId, () => this.lose(jobId, failedReason))
    })
    events.on('error', () => {})
    await Promise.all([this.queue.waitUntilReady(), events.waitUntilReady()])
  }

  /** How many packs it can take now: the agents' concurrency (0 until one is heard). */
  packCapacity(): number {
    return this.options.packCapacity?.() ?? 1
  }

  /**
   * For the engine's balancer, which fills an executor added from outside up to its capacity
   * in jobs: while fewer packs are out than the agents take at once (plus one waiting in
   * Redis), there is room for one more batch (short jobs many to a pack, long ones one, and at
   * most an even share of the queue per pack the agents take at once: batchesAtOnce); then
   * none. So the queue (its priorities, cancels) stays with the engine rather than in Redis.
   */
  get capacity(): number {
    if (this.gone || this.state === 'stopping') return 0
    return this.load.size + (this.packs.size < this.packCapacity() + 1 ? MAX_PACK_JOBS : 0)
  }
  get batchesAtOnce(): number {
    return Math.max(1, this.packCapacity())
  }

  get exited(): boolean {
    return this.gone
  }

  /** Any lane and executor type: the agent's own engine places each job as on one machine. */
  serves(_lane: Lane, _executor: ExecutorType): boolean {
    return !this.gone && this.state !== 'stopping'
  }

  /** Packs (BullMQ jobs) sent so far. */
  packsSent(): number {
    return this.nextPack - 1
  }
  /** Packs handed out and not ended yet. */
  inFlight(): number {
    return this.packs.size
  }

  /** The machine running (or that last ran) a job it holds or held lately (null: not placed yet, or long forgotten). */
  machineOf(jobId: number): string | null {
    return this.jobs.get(jobId)?.machine ?? this.placed.get(jobId) ?? null
  }

  run(jobs: JobMessage[], hint: PackHint = {}): void {
    if (this.gone || jobs.length === 0) return
    const packId = `${this.options.controller}-${this.nextPack}`
    const pack = this.nextPack++
    const ids: number[] = []
    for (const job of jobs) {
      this.jobs.set(job[0], { pack: packId, started: false, machine: null })
      ids.push(job[0])
    }
    const held: HeldPack = { ids, open: ids.length, heardAt: Date.now(), queued: false, emptyReads: 0 }
    this.packs.set(packId, held)
    this.state = 'busy'
    const priority = 1001 - Math.max(-1000, Math.min(1000, hint.priority ?? 0))
    const long = isLongPack(hint)
    const data = { v: 1, controller: this.options.controller, pack, jobs, ...(long ? { long } : {}) }
    // attempts 1: a job's own failures come back as data (the engine retries them); BullMQ's
    // part is delivery, and a pack whose agent died is redelivered by its stalled-job check.
    this.ready
      .then(() =>
        this.queue.add('pack', data, {
          jobId: packId,
          priority,
          attempts: 1,
          removeOnComplete: PACK_KEEP,
          removeOnFail: PACK_KEEP,
        }),
      )
      .then(
        () => {
          held.queued = true
        },
        (error: Error) => {
          this.inTurn(packId, () => this.lose(packId, `could not queue it: ${error.message}`))
        },
      )
  }

  cancel(jobId: number, reason: 'cancel' | 'timeout'): void {
    const job = this.jobs.get(jobId)
    if (job && !this.gone) this.cancels.add(job.pack, jobId, reason)
  }

  /** Lets go of a job its agent has not stopped (a cancel lost or ignored, a pack not taken), not of all held here. */
  forget(jobId: number): boolean {
    if (this.gone) return false
    const job = this.jobs.get(jobId)
    if (!job) return true // its end is on its way through the engine's inbox; the engine ends it first
    this.cancel(jobId, 'cancel') // (again): the first may have been lost, or a queued pack must drop it
    this.settle(jobId, job) // what its agent says of it later is dropped (not held)
    return true
  }

  stop(): void {
    this.state = 'stopping'
    this.maybeExit()
  }

  terminate(): void {
    if (this.gone) return
    const held = [...this.jobs].map(([jobId, job]) => ({ jobId, packId: job.pack }))
    if (held.length) void this.cancels.now(held, 'cancel')
    this.leave('abandoned: its jobs are the engine’s to put back')
  }

  /** Closes its BullMQ objects (not the connections, which the caller owns). */
  async close(): Promise<void> {
    if (!this.gone) this.leave('closed')
    await this.chain
    await this.closed
  }

  toView(): WorkerView {
    const running = [...this.jobs.values()].filter((j) => j.started).length
    return {
      id: this.id,
      executor: this.executor,
      lane: this.lane,
      pid: null,
      tid: null,
      state: this.state,
      running,
      jobIds: [...this.jobs.keys()].slice(0, 8),
      core: null,
      cpuPercent: null,
      cpuTimeMs: null,
      pinnedCore: null,
      startedAt: this.startedAt,
      jobsDone: this.jobsDone,
    }
  }

  /** Reports are applied one after another, in arrival order (a log write may sit between). */
  private enqueue(packId: string, raw: unknown, final: boolean): void {
    this.inTurn(packId, () => this.apply(packId, raw, final))
  }

  /**
   * Reports and losses are applied one after another, in arrival order. A step that throws (the
   * engine refusing what it was given) is named as a bad report, and the chain goes on: a loss
   * added with no catch of its own used to reject the chain, and the next report was skipped
   * (its jobs stayed running). The jobs of the step that threw may be left unended (those with
   * a timeout still end by it).
   */
  private inTurn(packId: string, step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((error: unknown) => {
      this.hooks.onBadReport?.(packId, `could not be applied: ${error instanceof Error ? error.message : String(error)}`)
    })
  }

  private async apply(packId: string, raw: unknown, final: boolean): Promise<void> {
    // One report per turn of the event loop: a burst of packs never holds the loop for long.
    await new Promise<void>((resolve) => setImmediate(resolve))
    const pack = this.packs.get(packId)
    if (!pack || this.gone) return
    pack.heardAt = Date.now()
    if (final && raw == null) {
      // BullMQ's Job answers null for a return value not (yet) in its hash: a read that came
      // too early, not the agent's report. The look-ups read it again.
      if (++pack.emptyReads < EMPTY_READS_KEPT) {
        pack.heardAt = 0
        return this.hooks.onEarlyRead?.(packId, `no return value in Redis yet (read ${pack.emptyReads}): reading it again`)
      }
      return this.lose(packId, `its agent ended it with no report (read ${pack.emptyReads} times)`)
    }
    const parsed = parseAgentReport(raw)
    if (!parsed.ok) {
      this.hooks.onBadReport?.(packId, parsed.error)
      if (final) await this.lose(packId, `its agent sent a report that is not valid: ${parsed.error}`)
      return
    }
    // Its bad logs only are left out: the jobs' ends, and the other logs, are applied.
    for (const error of parsed.dropped) this.hooks.onBadReport?.(packId, `a log left out: ${error}`)
    const report = parsed.value
    // A big pack's report in slices, a turn of the loop each: the engine's loop stays free.
    for (let at = 0; at < report.e.length;) {
      if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve))
      if (this.gone) return
      const out = filterReport(this.held, packId, report, at, report.logs.length > 0 && this.logs !== null)
      if (out.ended && this.logs) {
        const failed = await this.logs.write(report.logs, out.ended)
        if (failed) this.hooks.onBadReport?.(packId, failed)
      }
      if (out.events.length) this.hooks.onEvents(this, out.events)
      at = out.next
    }
    if (final) await this.lose(packId, 'its agent ended it without reporting this job')
  }

  private place(id: number, job: HeldJob, machine: string): void {
    job.machine = machine
    this.placed.set(id, machine)
    this.hooks.onPlacement?.(this, id, machine)
  }

  private settle(id: number, job: HeldJob): void {
    this.jobs.delete(id)
    this.jobsDone++
    const pack = this.packs.get(job.pack)
    if (pack && --pack.open === 0) this.packs.delete(job.pack)
    if (this.packs.size === 0 && this.state === 'busy') this.state = 'idle'
    this.maybeExit()
  }

  /** A pack that ended without a word for some of its jobs (failed, removed, cut short): they failed as a crash would. */
  private async lose(packId: string, why: string): Promise<void> {
    const pack = this.packs.get(packId)
    if (!pack || this.gone) return
    const events = new EventWriter()
    const at = Date.now()
    for (const id of pack.ids) {
      const job = this.jobs.get(id)
      if (!job || job.pack !== packId) continue
      if (!job.started) events.startedWithEnd(id, at)
      events.failed(id, at, 'worker-crashed', `lost in the cluster: ${why}`, false)
      this.settle(id, job)
    }
    this.packs.delete(packId)
    if (events.length) this.hooks.onEvents(this, events.take())
  }

  /** Looks up packs not heard from lately: a completion missed while Redis was away is found here. */
  private reconcile(quietMs: number): void {
    if (this.gone) return
    const now = Date.now()
    for (const [packId, pack] of this.packs) {
      if (!pack.queued || now - pack.heardAt < quietMs) continue
      pack.heardAt = now
      void this.lookUp(packId).catch(() => {})
    }
  }

  private async lookUp(packId: string): Promise<void> {
    const end = await readPackEnd(this.queue, packId)
    if (!end || !this.packs.has(packId)) return
    if (end.state === 'completed') this.enqueue(packId, end.returnvalue, true)
    else {
      const why = end.state === 'gone' ? 'its BullMQ job is gone from Redis' : end.reason
      this.inTurn(packId, () => this.lose(packId, why))
    }
  }

  private maybeExit(): void {
    if (this.state === 'stopping' && this.jobs.size === 0) this.leave('stopped')
  }

  private leave(message: string): void {
    if (this.gone) return
    this.gone = true
    clearInterval(this.reconcileTimer)
    // The link starts a new executor when this one leaves (ended after a cancel grace, say):
    // this one's listener, QueueEvents and Queue would stay behind on the shared connections.
    this.options.connection.off('ready', this.onReconnect)
    this.closed = Promise.allSettled([this.events?.close(), this.queue.close()])
    this.jobs.clear()
    this.packs.clear()
    this.hooks.onExit(this, { code: 0, signal: null, outOfMemory: false, message })
  }
}
