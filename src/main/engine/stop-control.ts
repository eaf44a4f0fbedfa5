// Stop control: every timer that ends or restarts a job, each a named timer of its own.
//   - timeout:   from a job's start report, timeoutMs; then it is asked to stop.
//   - grace:     from a stop request, graceMs; a job still on its executor then has it ended
//                (or, one that can let go of a single job, a cluster's, forgets the job).
//   - backoff:   from a failed attempt, retryBackoffMs doubling per attempt; then it is requeued.
//   - hand-off:  from hand-off to an executor, timeoutMs + graceMs; a job whose start was never
//                reported by then is on a stuck executor, which is ended (or forgets it) as a
//                timeout would.
// The interactions that bit before are the reason this is one place with its own tests
// (tests/engine/stop-control.test.ts): a job put back after its executor died keeps none of
// that executor's timers; a job waiting in a serial worker behind a running one is not stuck;
// a job asked to stop before its start report gets its grace once it starts.
import { isTerminal, type JobState } from '../../shared/job.ts'
import type { WorkerMode } from './worker/protocol.ts'

const MAX_BACKOFF_MS = 60_000

export type StopReason = 'cancel' | 'timeout'

export interface StoppableJob {
  readonly id: number
  readonly timeoutMs: number
  readonly state: JobState
  /** The executor holding it (0: none). */
  readonly workerId: number
  readonly attempts: number
  /** Why it is being stopped, while its executor has not confirmed. */
  stopping: StopReason | null
}

/** What stop control needs of an executor. */
export interface StopTarget {
  readonly id: number
  readonly mode: WorkerMode
  readonly exited: boolean
  readonly load: { readonly running: number }
  cancel(jobId: number, reason: StopReason): void
}

export interface StopHost<J extends StoppableJob, E extends StopTarget> {
  /** The executor holding the job, if any. */
  executorOf(job: J): E | undefined
  /** The job did not stop within its grace: end its executor (its other jobs are put back), or have it forget the job. */
  force(job: J, executor: E): void
  /** The job's start was never reported within timeoutMs + grace: its executor is stuck. */
  overdue(job: J, executor: E): void
  /** The backoff after a failed attempt is over: queue the job again. */
  requeue(job: J): void
}

export interface StopOptions {
  graceMs: number
  retryBackoffMs: number
}

export class StopControl<J extends StoppableJob, E extends StopTarget> {
  private readonly timeouts = new Map<J, NodeJS.Timeout>()
  private readonly graces = new Map<J, NodeJS.Timeout>()
  private readonly backoffs = new Map<J, NodeJS.Timeout>()
  private readonly handOffs = new Map<J, NodeJS.Timeout>()
  private readonly host: StopHost<J, E>
  private readonly graceMs: number
  private readonly retryBackoffMs: number

  constructor(host: StopHost<J, E>, options: StopOptions) {
    this.host = host
    this.graceMs = options.graceMs
    this.retryBackoffMs = options.retryBackoffMs
  }

  /** Any of its timers is pending. */
  pending(job: J): boolean {
    return this.timeouts.has(job) || this.graces.has(job) || this.backoffs.has(job) || this.handOffs.has(job)
  }

  /** Clears every timer of the job: it ended, or went back to the queue (its timers belonged to its old executor). */
  clear(job: J): void {
    // Called for every job that ends: most have no timer at all, and then this costs nothing.
    if (this.timeouts.size + this.graces.size + this.backoffs.size + this.handOffs.size === 0) return
    clearOne(this.timeouts, job)
    clearOne(this.graces, job)
    clearOne(this.backoffs, job)
    clearOne(this.handOffs, job)
  }

  /**
   * The job was handed to an executor. A timeout counts from the job's start; until the
   * executor reports it, the hand-off watchdog covers an executor that never does.
   */
  handedOff(job: J, executor: E): void {
    if (job.timeoutMs > 0 && !this.pending(job)) this.watchHandOff(job, executor)
  }

  /** The executor reported the job's start (not for a job whose end came in the same message). */
  started(job: J): void {
    if (job.stopping) {
      // Asked to stop before it started, and it started anyway: now it can be given its grace
      // period and, if it ignores its abort signal, its executor ended.
      this.stop(job, job.stopping)
    } else if (job.timeoutMs > 0) {
      this.clear(job) // the hand-off watchdog
      this.timeouts.set(
        job,
        setTimeout(() => {
          this.timeouts.delete(job)
          this.stop(job, 'timeout')
        }, job.timeoutMs),
      )
    }
  }

  /** Asks a job's executor to stop it, and ends the executor if the job has not stopped in time. */
  stop(job: J, reason: StopReason): void {
    const executor = this.host.executorOf(job)
    if (!executor) return
    this.clear(job)
    job.stopping = reason
    executor.cancel(job.id, reason)
    // Running: it gets the grace period, then its executor is ended. Not started yet: an
    // executor busy with another job drops it (or starts it, see started) when it gets to it;
    // an idle one drops it at once, and one that has not answered within the grace is stuck.
    if (job.state !== 'running' && executor.load.running > 0) return
    this.graces.set(
      job,
      setTimeout(() => {
        this.graces.delete(job)
        if (job.workerId === executor.id && !isTerminal(job.state)) this.host.force(job, executor)
      }, this.graceMs),
    )
  }

  /** A failed attempt with retries left: requeued after a backoff that doubles with each attempt. */
  backoff(job: J): void {
    this.clear(job)
    const delay = Math.min(MAX_BACKOFF_MS, this.retryBackoffMs * 2 ** (job.attempts - 1))
    this.backoffs.set(
      job,
      setTimeout(() => {
        this.backoffs.delete(job)
        this.host.requeue(job)
      }, delay),
    )
  }

  private watchHandOff(job: J, executor: E): void {
    this.handOffs.set(
      job,
      setTimeout(() => this.handOffOverdue(job, executor), job.timeoutMs + this.graceMs),
    )
  }

  private handOffOverdue(job: J, executor: E): void {
    this.handOffs.delete(job)
    if (job.workerId !== executor.id || job.state !== 'queued' || executor.exited) return
    if (executor.mode === 'serial' && executor.load.running > 0) {
      // Still waiting behind a job that is running on this executor (one longer than its kind
      // usually takes): the executor is busy, not stuck. Look again later.
      this.watchHandOff(job, executor)
      return
    }
    this.host.overdue(job, executor)
  }
}

function clearOne<J>(timers: Map<J, NodeJS.Timeout>, job: J): void {
  const timer = timers.get(job)
  if (timer === undefined) return
  clearTimeout(timer)
  timers.delete(job)
}
