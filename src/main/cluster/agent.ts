// A cluster agent: a BullMQ Worker on the shared queue that takes packs while it has free
// slots and runs each on this machine's own Corelane engine (its public API: submit, cancel,
// subscribe, onJobSettled), so agents keep the local engine's lanes, kinds, logs and core
// placement. It listens on the control channel for cancels and slot changes, publishes its
// telemetry every second, and on leave() stops taking packs, lets running ones finish for
// `drainMs`, then hands the rest back to the queue (BullMQ's moveToWait) for other agents.
import { hostname } from 'node:os'
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import {
  ControlSchema,
  parseClusterMessage,
  parsePack,
  type AgentTelemetry,
  type ControlMessage,
  type Pack,
} from '../../shared/cluster.ts'
import { createEngine, startMonitor, type Engine, type Monitor } from '../engine/index.ts'
import { PackRun, type PackHost } from './pack-run.ts'
import { KEYS, PREFIX, QUEUE, cancelMember, connectRedis, probeRedis } from './redis.ts'

export interface AgentOptions {
  redisUrl: string
  name: string
  dataDir: string
  cpuSlots: number
  ioConcurrency?: number
  allowShell?: boolean
  allowScript?: boolean
  /** BullMQ's lock on a pack: a dead agent's packs are redelivered this long after it stopped renewing. Default 15 s. */
  lockDurationMs?: number
  /** How often this agent looks for stalled packs (any live agent recovers any dead one's). Default 5 s. */
  stalledIntervalMs?: number
  /** How many times a pack may stall before BullMQ fails it (its jobs then fail as crashed, and the controller retries them). Default 3. */
  maxStalledCount?: number
  /** On leave(): how long running packs may finish before they are handed back. Default 30 s. */
  drainMs?: number
  telemetryMs?: number
  /** How often a running pack's events are sent (BullMQ progress). Default 100 ms. */
  flushMs?: number
  log?: (line: string) => void
}

interface Active {
  run: PackRun
  job: Job
  token: string
}

/**
 * Packs taken at once per CPU slot: one running, one arriving, so a slot never waits on Redis.
 * Not for long packs (PackSchema's `long`): while one runs here, the agent takes packs only up
 * to its slots (see takeLimit), so a long pack is never held here behind another while some
 * other agent could start it.
 */
const PACKS_PER_SLOT = 2

export class Agent implements PackHost {
  readonly name: string
  readonly allowShell: boolean
  readonly allowScript: boolean
  engine!: Engine
  private worker!: Worker
  private connection!: Redis
  private subscriber!: Redis
  private monitor!: Monitor
  private readonly runs = new Map<number, PackRun>()
  /** The packs running here; a set, not a map by BullMQ id: the same pack redelivered here is a run of its own. */
  private readonly active = new Set<Active>()
  private telemetryTimer: NodeJS.Timeout | null = null
  private readonly startedAt = Date.now()
  private state: 'ready' | 'leaving' = 'ready'
  private jobsDone = 0
  /** Telemetry goes out one message after another, and never after the agent left. */
  private publishing: Promise<void> = Promise.resolve()
  private left = false
  /** Packs being submitted to the local engine now (see PackHost.submitting). */
  private submits = 0
  /** Local jobs the engine told of while a submit ran, before their pack claimed them (see PackRun.track). */
  private readonly unclaimed = new Set<number>()
  /** Long packs taken and not ended (see PACKS_PER_SLOT). */
  private longPacks = 0
  private cpuSlots: number
  private ioConcurrency: number
  private readonly log: (line: string) => void

  private readonly options: AgentOptions

  constructor(options: AgentOptions) {
    this.options = options
    this.name = options.name
    this.allowShell = options.allowShell ?? false
    this.allowScript = options.allowScript ?? false
    this.cpuSlots = options.cpuSlots
    this.ioConcurrency = options.ioConcurrency ?? 1000
    this.log = options.log ?? ((line) => process.stderr.write(`corelane agent ${this.name}: ${line}\n`))
  }

  /** Connects (a clear error if Redis cannot be reached), then starts taking packs. */
  async start(): Promise<void> {
    await probeRedis(this.options.redisUrl)
    this.engine = createEngine({
      dataDir: this.options.dataDir,
      cpuSlots: this.cpuSlots,
      ioConcurrency: this.ioConcurrency,
      eventIntervalMs: 50,
    })
    this.engine.subscribe((changes) => {
      for (const view of changes.jobs) {
        const run = this.runs.get(view.id)
        if (run) run.changed(view)
        else if (this.submits > 0) this.unclaimed.add(view.id)
      }
    })
    this.engine.onJobSettled((view) => {
      this.jobsDone++
      const run = this.runs.get(view.id)
      if (run) run.settled(view)
      else if (this.submits > 0) this.unclaimed.add(view.id)
    })
    // Telemetry carries per-core load and memory only: the machine's top processes and its
    // sensors (frequencies, temperatures, GPUs) would cost the sampler's thread a read of every
    // process each second, on a machine busy with jobs (a few percent of a core, measured).
    this.monitor = startMonitor({ hz: 1, processes: false, hardware: false, onError: (m) => this.log(`monitor: ${m}`) })
    this.connection = connectRedis(this.options.redisUrl, `corelane-agent-${this.name}`)
    this.connection.on('error', () => {}) // it reconnects; BullMQ reports what it could not do
    this.subscriber = this.connection.duplicate()
    this.subscriber.on('error', () => {})
    this.subscriber.on('message', (_channel: string, text: string) => this.onControl(text))
    await this.subscriber.subscribe(KEYS.control)
    this.worker = new Worker(QUEUE, (job, token) => this.process(job, token ?? ''), {
      connection: this.connection,
      prefix: PREFIX,
      name: this.name,
      concurrency: this.takeLimit(),
      lockDuration: this.options.lockDurationMs ?? 15_000,
      stalledInterval: this.options.stalledIntervalMs ?? 5000,
      maxStalledCount: this.options.maxStalledCount ?? 3,
    })
    this.worker.on('error', (error) => this.log(`queue: ${error.message}`))
    await this.worker.waitUntilReady()
    this.telemetryTimer = setInterval(() => void this.publish(), this.options.telemetryMs ?? 1000)
    await this.publish()
  }

  claim(localId: number, run: PackRun): void {
    this.runs.set(localId, run)
  }

  release(localId: number): void {
    this.runs.delete(localId)
  }

  submitting(delta: 1 | -1): void {
    this.submits += delta
    // Every job submitted is claimed by now: what was heard of them is no longer needed.
    if (this.submits === 0) this.unclaimed.clear()
  }

  heardBeforeClaim(localId: number): boolean {
    return this.unclaimed.delete(localId)
  }

  /** How many packs BullMQ may hand this agent at once: fewer while long packs run here. */
  private takeLimit(): number {
    return this.longPacks > 0 ? this.cpuSlots : this.cpuSlots * PACKS_PER_SLOT
  }

  private async process(job: Job, token: string): Promise<unknown> {
    const parsed = parsePack(job.data)
    // A pack nobody can run: failed at once (no retry), its controller fails its jobs.
    if (!parsed.ok) throw new UnrecoverableError(`agent ${this.name} refused pack ${job.id}: ${parsed.error}`)
    const pack = parsed.value
    if (pack.long) {
      // BullMQ may have fetched several before the limit came down (an idle agent takes what
      // arrives together): one more long pack than slots goes back for another agent. The
      // limit is down already, so this agent does not take it again until a slot frees.
      if (this.longPacks >= this.cpuSlots) {
        this.log(`gave back long pack ${job.id}: its CPU slots run long packs already`)
        await job.moveToWait(token)
        throw new WaitingError()
      }
      this.longPacks++
      this.worker.concurrency = this.takeLimit()
    }
    try {
      return await this.runPack(job, token, pack)
    } finally {
      if (pack.long) {
        this.longPacks--
        this.worker.concurrency = this.takeLimit()
      }
    }
  }

  private async runPack(job: Job, token: string, pack: Pack): Promise<unknown> {
    // Known to the cancel channel and to leave() before the cancelled set is read: a cancel
    // published while that read is under way (its set written just after) would be lost, and
    // the job would run on (the controller lets go of it after the grace, see forget in
    // remote-executor.ts). The run keeps such cancels until their jobs are tracked.
    const run = new PackRun(this, pack)
    const active: Active = { run, job, token }
    this.active.add(active)
    const flush = async () => {
      const report = run.takePending()
      if (report) await job.updateProgress(report).catch(() => {})
    }
    const flusher = setInterval(() => void flush(), this.options.flushMs ?? 100)
    try {
      const cancelled = await this.cancelledBefore(
        pack.controller,
        job.id!,
        pack.jobs.map((j) => j[0]),
      )
      await run.run(cancelled)
    } finally {
      clearInterval(flusher)
      this.active.delete(active)
    }
    // Its jobs' ends are in the report: the engine may forget them now rather than at the next
    // telemetry tick, so short packs' records die young (between ticks an agent on no-ops held
    // tens of thousands, which the collector then copied and promoted).
    if (this.submits === 0) this.engine.clearFinished()
    if (run.handsBack) {
      // What ended here is reported; the rest goes back to the queue for another agent, the
      // pack cut down to those jobs (should that write fail, the whole pack goes back: the
      // controller keeps each job's first end). A pack whose jobs had all ended when the agent
      // began to leave (its logs still being read) is not handed back: it returns.
      await flush()
      await job.updateData(run.remainder()).catch(() => {})
      await job.moveToWait(token)
      throw new WaitingError()
    }
    return run.result()
  }

  private async cancelledBefore(controller: string, packId: string, ids: number[]): Promise<Map<number, 'cancel' | 'timeout'>> {
    const found = new Map<number, 'cancel' | 'timeout'>()
    // Most packs meet no cancel set: asking for 2,000 members of none cost more than the rest
    // of taking a pack of 1,000 (a profile of the agent).
    if ((await this.connection.scard(KEYS.cancelled(controller))) === 0) return found
    const members = ids.flatMap((id) => [cancelMember(packId, id, 'cancel'), cancelMember(packId, id, 'timeout')])
    const hits = await this.connection.smismember(KEYS.cancelled(controller), ...members)
    hits.forEach((hit, i) => {
      if (hit) found.set(ids[i >> 1]!, i & 1 ? 'timeout' : 'cancel')
    })
    return found
  }

  private onControl(text: string): void {
    const parsed = parseClusterMessage(ControlSchema, text)
    if (!parsed.ok) return this.log(`ignored a control message: ${parsed.error}`)
    const message: ControlMessage = parsed.value
    if (message.t === 'cancel') {
      for (const { run } of this.active) if (run.pack.controller === message.controller) run.cancel(message.ids, message.reason)
    } else if (message.agent === null || message.agent === this.name) {
      if (message.cpuSlots) this.cpuSlots = message.cpuSlots
      if (message.ioConcurrency) this.ioConcurrency = message.ioConcurrency
      this.engine.setLimits({ cpuSlots: this.cpuSlots, ioConcurrency: this.ioConcurrency })
      this.worker.concurrency = this.takeLimit()
      void this.publish()
    }
  }

  /** This agent's live state: per-core load, memory, and the jobs it runs with their cores. */
  async telemetry(): Promise<AgentTelemetry> {
    const sample = this.monitor.last()
    const workers = await this.engine.sampleWorkers().catch(() => this.engine.workers())
    const coreOf = new Map<number, number | null>()
    for (const w of workers) for (const id of w.jobIds) coreOf.set(id, w.core)
    const jobs: AgentTelemetry['jobs'] = []
    let running = 0
    for (const { run } of this.active) {
      for (const [localId, cid, kind] of run.running()) {
        running++
        if (jobs.length < 256) jobs.push({ controller: run.pack.controller, id: cid, kind, core: coreOf.get(localId) ?? null })
      }
    }
    return {
      v: 1,
      name: this.name,
      host: hostname(),
      pid: process.pid,
      state: this.state,
      startedAt: this.startedAt,
      at: Date.now(),
      cores: sample?.cores.map((c) => Math.max(0, Math.min(100, c))) ?? [],
      memUsed: sample?.memUsed ?? 0,
      memTotal: sample?.memTotal ?? 0,
      cpuSlots: this.cpuSlots,
      ioConcurrency: this.ioConcurrency,
      concurrency: this.cpuSlots * PACKS_PER_SLOT,
      running,
      jobs,
      allow: { shell: this.allowShell, script: this.allowScript },
      jobsDone: this.jobsDone,
    }
  }

  private publish(): Promise<void> {
    this.publishing = this.publishing.then(() => this.publishNow())
    return this.publishing
  }

  private async publishNow(): Promise<void> {
    if (this.left) return
    // The local engine keeps every job it ran; their ends are already reported, so drop them
    // (not while a submit runs: its finished jobs may not be claimed yet).
    if (this.submits === 0) this.engine.clearFinished()
    try {
      const text = JSON.stringify(await this.telemetry())
      if (this.left) return
      await this.connection.multi().hset(KEYS.agents, this.name, text).publish(KEYS.telemetry, text).exec()
    } catch {
      // Redis away: the next tick tries again.
    }
  }

  /** Stops taking packs, lets running ones finish for drainMs, hands back the rest, leaves. */
  async leave(): Promise<void> {
    if (this.state === 'leaving') return
    this.state = 'leaving'
    await this.publish() // controllers stop counting its slots now
    const closing = this.worker.close()
    const drained = await Promise.race([
      closing.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), this.options.drainMs ?? 30_000).unref()),
    ])
    if (!drained) {
      this.log(`handing back ${this.active.size} pack(s)`)
      for (const active of this.active) active.run.abandon()
      await closing
    }
    if (this.telemetryTimer) clearInterval(this.telemetryTimer)
    this.left = true
    await this.publishing
    await this.connection.hdel(KEYS.agents, this.name).catch(() => {})
    await this.engine.close()
    await this.monitor.close()
    this.subscriber.disconnect()
    await this.connection.quit().catch(() => this.connection.disconnect())
  }
}
