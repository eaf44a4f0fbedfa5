// What the engine's pool and balancer see of anything that runs jobs: a local worker thread, a
// local worker process, or (in a cluster) a remote machine reached through a queue. It takes
// jobs as protocol messages and reports their events in the protocol's flat layout
// (worker/protocol.ts), so the balancer and the job state machine never ask which it is.
import type { ExecutorType, Lane, WorkerView } from '../../../shared/job.ts'
import type { JobMessage, WorkerMode } from '../worker/protocol.ts'
import type { ExecutorLoad } from './executor-load.ts'

/** How an executor ended (a crash, a kill, a clean stop, a lost connection). */
export interface ExecutorExit {
  code: number | null
  signal: string | null
  outOfMemory: boolean
  message: string
}

/** What an executor reports; the engine applies these in arrival order (through its inbox). */
export interface ExecutorHooks {
  /** It is up and can be placed: `pid` and `tid` name it where that means something (local workers). */
  onHello(executor: Executor, pid: number, tid: number | null): void
  /** A flat run of protocol events (EV_STARTED, EV_DONE, ...) for jobs it was given. */
  onEvents(executor: Executor, events: unknown[]): void
  /** It is gone; every job it held and did not report ended is the engine's to put back or fail. */
  onExit(executor: Executor, exit: ExecutorExit): void
}

export interface Executor {
  readonly id: number
  /** Thread or process; a remote executor reports what the remote side runs its jobs on. */
  readonly executor: ExecutorType
  readonly lane: Lane
  /** One job after another (a CPU slot), or many at once (the I/O lane, a remote machine). */
  readonly mode: WorkerMode
  /** Where it runs: null for this machine, else the remote machine's name. */
  readonly machine: string | null
  /**
   * What it holds, kept by the engine's pool through this object's own methods (take, started,
   * release): an executor creates one (`readonly load = new ExecutorLoad()`) and only reads it.
   */
  readonly load: ExecutorLoad
  /**
   * The most jobs it may hold at once. Local workers answer Infinity (the engine's CPU slots and
   * I/O concurrency bound them); an executor added from outside (a remote machine) names its
   * own, and the balancer keeps it that full.
   */
  readonly capacity: number
  /** It has exited (its exit report may still be on its way through the engine's inbox). */
  readonly exited: boolean
  /** Takes new jobs of this lane and executor type (false while it leaves, or when it is dedicated to one job). */
  serves(lane: Lane, executor: ExecutorType): boolean
  /**
   * Hands it jobs. It reports each one's events through its hooks. `hint.cpuMs`: how long
   * its CPU-lane jobs should hold a slot all together, from their kinds' learned costs (I/O
   * jobs run side by side and hold none); a remote executor tells agents not to take a long
   * pack ahead of a free slot. Local workers need not read it.
   */
  run(jobs: JobMessage[], hint?: { cpuMs?: number }): void
  /** Asks it to stop one job (cooperatively; the engine escalates with forget() or terminate()). */
  cancel(jobId: number, reason: 'cancel' | 'timeout'): void
  /**
   * Lets go of one job that did not stop in time, and answers true: an executor that stands for
   * other machines (a cluster), where ending it would end every job it holds. It drops what
   * its machine says of the job later. Absent (local workers): the engine ends the executor.
   */
  forget?(jobId: number): boolean
  /** Asks it to finish what it holds and leave. */
  stop(): void
  /**
   * Ends it now (a local worker is killed; a remote one is abandoned and its jobs put back).
   * It must then report onExit (the engine's close() waits for every executor's exit).
   */
  terminate(): void
  toView(): WorkerView
}

/**
 * An executor that stands for many machines (a cluster) and names the one each job ran on.
 * Asked as a job's start is applied, so it must still answer for a job that already ended in
 * the same report. Kept out of Executor itself so local workers need not answer it.
 */
export interface PlacingExecutor extends Executor {
  machineOf(jobId: number): string | null
}

/** Where a job that `executor` started runs: its own machine, or the one a cluster placed it on. */
export function machineOfJob(executor: Executor, jobId: number): string | null {
  const placing = executor as Partial<PlacingExecutor>
  return typeof placing.machineOf === 'function' ? (placing.machineOf(jobId) ?? executor.machine) : executor.machine
}
