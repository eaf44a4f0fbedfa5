// The pool: every executor the engine can hand jobs to. It starts local workers (threads and
// processes) and takes in executors added from outside (remote machines), hands them jobs,
// takes jobs back as they leave, retires workers beyond the limits or dedicated to one job,
// ends them on request, and keeps what only local workers have: pinning to cores and the
// /proc samples of where each one runs. Which jobs go where is the balancer's decision.
import { fileURLToPath } from 'node:url'
import type { EngineLimits, ExecutorType, Lane, WorkerView } from '../../../shared/job.ts'
import type { KindCosts } from '../balancer.ts'
import type { JobRecord } from '../job-record.ts'
import { pinThread, readThreadStat, placementSupported } from '../placement.ts'
import { placeOnCores } from './core-placement.ts'
import type { JobMessage } from '../worker/protocol.ts'
import type { Executor, ExecutorHooks } from './executor.ts'
import type { EngineOptions } from '../types.ts'
import { SPAWNING_KINDS, type CommandGroups } from '../command-groups.ts'
import { compileCacheDir } from '../data-layout.ts'
import { forkProcessHost, type ProcessHost } from './process-host.ts'
import { SpinGate } from './spin-gate.ts'
import { WorkerHandle } from './worker-handle.ts'

export interface PoolOptions {
  dataDir: string
  entries: { thread: string | URL; process: string }
  processHost: ProcessHost
  /** Extra environment for local workers (the compile cache folder). */
  env: Record<string, string>
  cores: number
  costs: KindCosts
  limits: () => EngineLimits
  /** Where jobs that can start programs are tagged while a local worker holds them (and swept when stopped). */
  groups: CommandGroups<Executor>
  /** The worker list changed (its views are due in the next feed delivery); `now`: schedule one. */
  changed(now: boolean): void
}

/** How local workers are started, from the engine's options. */
export function localWorkerSetup(options: EngineOptions): Pick<PoolOptions, 'dataDir' | 'entries' | 'processHost' | 'env'> {
  const compileCache = options.compileCacheDir === undefined ? compileCacheDir(options.dataDir) : options.compileCacheDir
  return {
    dataDir: options.dataDir,
    entries: {
      thread: options.workerEntries?.thread ?? new URL('../worker/thread-entry.ts', import.meta.url),
      process: options.workerEntries?.process ?? fileURLToPath(new URL('../worker/process-entry.ts', import.meta.url)),
    },
    processHost: options.processHost ?? forkProcessHost,
    env: compileCache ? { NODE_COMPILE_CACHE: compileCache } : {},
  }
}

/** Builds an executor added from outside, given the id the pool chose and the hooks it must report through. */
export type ExecutorFactory = (id: number, hooks: ExecutorHooks) => Executor

export class WorkerPool {
  private readonly members = new Map<number, Executor>()
  private readonly locals = new Map<number, WorkerHandle>()
  private readonly externals = new Map<number, Executor>()
  /** Executors ended to stop one job: that job's id (the other jobs on it are put back). */
  private readonly forced = new Map<Executor, number>()
  private readonly exitWaiters = new Map<Executor, () => void>()
  private readonly options: PoolOptions
  private readonly hooks: ExecutorHooks
  /**
   * The same members as plain arrays, rebuilt when one comes or goes (rare): the balancer walks
   * them several times per dispatch, and an indexed walk allocates nothing (a Map iterator does).
   */
  private localList: readonly WorkerHandle[] = []
  private externalList: readonly Executor[] = []
  private nextId = 1
  /** A placement pass is applying taskset calls; `placeAgain`: something changed meanwhile. */
  private placing = false
  private placeAgain = false
  #busyCpu = 0
  /** Open while a CPU is to spare for an idle thread worker to watch for its next job (spin-gate.ts). */
  private readonly spinGate: SpinGate
  #ioInFlight = 0

  /** `hooks`: where executors' reports go (the engine applies them in order, through its inbox). */
  constructor(options: PoolOptions, hooks: ExecutorHooks) {
    this.options = options
    this.spinGate = new SpinGate(options.cores)
    this.hooks = {
      onHello: hooks.onHello,
      onEvents: hooks.onEvents,
      onExit: (executor, exit) => {
        hooks.onExit(executor, exit)
        this.exitWaiters.get(executor)?.()
      },
    }
  }

  /** Local CPU workers holding a slot (they have jobs assigned). */
  get busyCpu(): number {
    return this.#busyCpu
  }

  /** Local I/O-lane jobs handed to workers and not finished. */
  get ioInFlight(): number {
    return this.#ioInFlight
  }

  get(id: number): Executor | undefined {
    return this.members.get(id)
  }

  /** This machine's workers, as they are now (a new array whenever one comes or goes). */
  local(): readonly WorkerHandle[] {
    return this.localList
  }

  /** Executors added from outside, as they are now. */
  external(): readonly Executor[] {
    return this.externalList
  }

  views(): WorkerView[] {
    return [...this.members.values()].map((executor) => executor.toView())
  }

  spawn(executor: ExecutorType, lane: Lane, memoryMb: number): WorkerHandle {
    const { dataDir, entries, processHost, env } = this.options
    const id = this.nextId++
    const mode = lane === 'io' && memoryMb === 0 ? 'concurrent' : 'serial'
    const tagRun = this.options.groups.run
    const worker = new WorkerHandle(
      { id, executor, lane, mode, dataDir, memoryMb, entries, processHost, env, tagRun, spinGate: this.spinGate.cell },
      this.hooks,
    )
    this.members.set(id, worker)
    this.locals.set(id, worker)
    this.localList = [...this.locals.values()]
    this.options.changed(false)
    return worker
  }

  /** Adds an executor from outside (a remote machine); it leaves by reporting its exit. */
  add(create: ExecutorFactory): Executor {
    const executor = create(this.nextId++, this.hooks)
    this.members.set(executor.id, executor)
    this.externals.set(executor.id, executor)
    this.externalList = [...this.externals.values()]
    this.options.changed(true)
    return executor
  }

  /** Hands jobs to an executor. Returns the error when they could not be sent (they are taken back). */
  assign(executor: Executor, jobs: JobRecord[]): Error | null {
    const local = this.locals.has(executor.id)
    const becameBusy = local && executor.lane === 'cpu' && !executor.load.busy
    if (becameBusy) this.spinGate.update(++this.#busyCpu)
    if (local && executor.lane === 'io') this.#ioInFlight += jobs.length
    const messages: JobMessage[] = new Array(jobs.length)
    let expectedMs = 0
    let cpuMs = 0
    // A batch is almost always of one kind: its cost is looked up once per run of a kind.
    let kind: string | null = null
    let cost = 0
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!
      job.workerId = executor.id
      messages[i] = job.memoryMb
        ? [job.id, job.kind, job.params, job.attempts + 1, job.memoryMb]
        : [job.id, job.kind, job.params, job.attempts + 1]
      if (local && SPAWNING_KINDS.has(job.kind)) this.options.groups.tagged(executor, job.id, job.attempts + 1)
      if (job.kind !== kind) cost = this.options.costs.estimate((kind = job.kind))
      expectedMs += cost
      if (job.lane === 'cpu') cpuMs += cost
    }
    executor.load.take(jobs, expectedMs)
    if (becameBusy) this.place()
    try {
      executor.run(messages, { cpuMs })
    } catch (error) {
      // A message that cannot be cloned (params nested beyond the stack): those jobs, not the worker, fail.
      for (const job of jobs) this.release(executor, job)
      return error instanceof Error ? error : new Error(String(error))
    }
    this.options.changed(true)
    return null
  }

  /** The job has left its executor (finished, dropped or lost with it). */
  release(executor: Executor, job: JobRecord): void {
    if (!executor.load.release(job, this.options.costs.get(job.kind) ?? 0)) return
    job.workerId = 0
    if (SPAWNING_KINDS.has(job.kind)) this.options.groups.untagged(executor, job.id, job.stopping !== null)
    const worker = this.locals.get(executor.id)
    this.options.changed(false)
    if (!worker) return
    if (worker.lane === 'io') this.#ioInFlight--
    else if (!worker.load.busy) this.spinGate.update(--this.#busyCpu)
    // Dedicated (memory-limited) workers retire after their job; so do workers beyond the limits.
    if (!worker.load.busy && !worker.exited && (worker.memoryMb > 0 || this.surplus(worker))) this.retire(worker)
    else if (worker.lane === 'cpu' && !worker.load.busy) this.place()
  }

  /** Ends an executor to stop one of its jobs; the others on it are put back when it has gone. */
  force(executor: Executor, jobId: number): void {
    this.forced.set(executor, jobId)
    executor.terminate()
  }

  kill(id: number): boolean {
    const executor = this.members.get(id)
    if (!executor || executor.exited) return false
    executor.terminate()
    return true
  }

  /** An executor has gone: forgets it and hands back the jobs it held, and the job that forced its end. */
  remove(executor: Executor): { jobs: JobRecord[]; forcedBy: number | null } {
    const forcedBy = this.forced.get(executor) ?? null
    this.forced.delete(executor)
    const jobs = [...(executor.load.jobs() as IterableIterator<JobRecord>)]
    for (const job of jobs) this.release(executor, job) // while it is still counted as local
    this.members.delete(executor.id)
    const wasLocal = this.locals.delete(executor.id)
    if (wasLocal) this.localList = [...this.locals.values()]
    if (this.externals.delete(executor.id)) this.externalList = [...this.externals.values()]
    if (wasLocal && executor.lane === 'cpu') this.place()
    return { jobs, forcedBy }
  }

  /**
   * After a limit change: idle workers beyond the CPU slots leave, and the workers are placed
   * again (pinned, or given every core back when pinning went off).
   */
  applyLimits(wasPinning: boolean): void {
    for (const worker of [...this.locals.values()]) if (!worker.load.busy && this.surplus(worker)) this.retire(worker)
    this.place(wasPinning)
  }

  /** An executor is up (its hello): a local CPU worker is placed on a core when pinning is on. */
  hello(executor: Executor): void {
    this.options.changed(true)
    const worker = this.locals.get(executor.id)
    if (worker && worker.lane === 'cpu') this.place()
  }

  /** Refreshes each local worker's current core and CPU time from /proc (Linux). */
  async sample(): Promise<void> {
    if (!placementSupported) return
    const now = performance.now()
    await Promise.all(
      [...this.locals.values()].map(async (worker) => {
        if (worker.pid === null || worker.tid === null) return
        const stat = await readThreadStat(worker.pid, worker.tid)
        if (stat) worker.sampled(stat.core, stat.cpuTimeMs, now)
      }),
    )
    this.options.changed(true)
  }

  /** Ends every executor and resolves once each has reported its exit. */
  async closeAll(): Promise<void> {
    const exits = [...this.members.values()].map(
      (executor) =>
        new Promise<void>((resolve) => {
          this.exitWaiters.set(executor, resolve)
          executor.terminate()
        }),
    )
    await Promise.all(exits)
  }

  private surplus(worker: WorkerHandle): boolean {
    const locals = this.localList // an array: asked at every job's end, walked without an iterator
    const slots = this.options.limits().cpuSlots
    // No more workers than slots (the usual case): none is surplus, nothing to count.
    if (worker.lane !== 'cpu' || locals.length <= slots) return false
    let same = 0
    for (let i = 0; i < locals.length; i++) if (locals[i]!.serves('cpu', worker.executor)) same++
    return same > slots
  }

  private retire(worker: WorkerHandle): void {
    if (worker.state === 'stopping') return
    worker.stop()
    this.options.changed(false)
    // A leaving worker gives up its core: the others may need it.
    if (worker.lane === 'cpu') this.place()
  }

  /**
   * Places the local CPU workers on cores again (core-placement.ts decides, this applies the
   * differences with taskset). Called whenever the answer may change: a worker up, busy, idle,
   * retiring or gone, a limit changed. One pass at a time, so an older taskset never lands after
   * a newer one; a change during a pass runs another. Without pinning (and without it before,
   * `wasPinning`) nothing is pinned and there is nothing to do.
   */
  private place(wasPinning = false): void {
    if (!this.options.limits().pinning && !wasPinning) return
    if (this.placing) {
      this.placeAgain = true
      return
    }
    this.placing = true
    void this.placePasses()
  }

  private async placePasses(): Promise<void> {
    try {
      do {
        this.placeAgain = false
        const moves = this.placementMoves()
        if (moves.length === 0) continue
        await Promise.all(
          moves.map(async ({ worker, core }) => {
            worker.pinned(core)
            const error = await pinThread(worker.tid!, core ?? 'all')
            if (error && core !== null) worker.pinned(null)
          }),
        )
        this.options.changed(true)
      } while (this.placeAgain)
    } finally {
      this.placing = false
    }
  }

  /** The workers whose core should change, and to which (null: every core). */
  private placementMoves(): { worker: WorkerHandle; core: number | null }[] {
    const placed: WorkerHandle[] = []
    const moves: { worker: WorkerHandle; core: number | null }[] = []
    const pinning = this.options.limits().pinning
    for (const worker of this.locals.values()) {
      if (worker.lane !== 'cpu' || worker.tid === null || worker.exited) continue
      if (!pinning) {
        if (worker.pinnedCore !== null) moves.push({ worker, core: null })
      } else if (worker.state !== 'stopping') {
        // A retiring worker is left where it is and counts on no core: it is idle and about to leave.
        placed.push(worker)
      }
    }
    if (!pinning) return moves
    const placement = placeOnCores(
      placed.map((worker) => ({ id: worker.id, busy: worker.load.busy, core: worker.pinnedCore })),
      this.options.cores,
    )
    for (const worker of placed) {
      const core = placement.get(worker.id)!
      if (core !== worker.pinnedCore) moves.push({ worker, core })
    }
    return moves
  }
}
