// What executors report, turned into job transitions: the events of a run (decoded by the
// protocol's readEvents) and an executor's exit. Every field is checked before it touches a
// job (event-fields.ts), and an event counts only for a job its executor holds.
import type { JobError } from '../../shared/job.ts'
import type { KindCosts } from './balancer.ts'
import type { CommandGroups } from './command-groups.ts'
import { failureCodeOf, messageOf, resultFileOf, timeOf } from './event-fields.ts'
import { machineOfJob, type Executor, type ExecutorExit, type ExecutorHooks } from './executors/executor.ts'
import type { WorkerPool } from './executors/worker-pool.ts'
import type { Inbox } from './inbox.ts'
import { isJsonTree } from './json-result.ts'
import type { JobStates } from './job-states.ts'
import { NO_TIME, type JobRecord } from './job-record.ts'
import type { StopControl } from './stop-control.ts'
import { readEvents, type EventReader, type FailureCode } from './worker/protocol.ts'
import { isTerminal } from '../../shared/job.ts'

/** What the reports drive: the job state machine and the engine's pieces. */
export interface ReportHost {
  readonly epoch: number
  readonly pool: WorkerPool
  readonly stop: StopControl<JobRecord, Executor>
  readonly costs: KindCosts
  readonly states: JobStates
  /** The process groups of the commands each executor has running. */
  readonly groups: CommandGroups<Executor>
  /** The job left its executor (pool.release, then a dispatch). */
  release(executor: Executor, job: JobRecord): void
  changed(job: JobRecord): void
  /** Jobs that never started (or were stopped only because a sibling had to be) go back to the front of their queues. */
  putBack(jobs: JobRecord[]): void
  workersChanged(): void
}

export function timeoutError(job: JobRecord): JobError {
  return { code: 'timeout', message: `timed out after ${job.timeoutMs} ms` }
}

export class WorkerReports implements EventReader {
  private readonly host: ReportHost
  /** The executor whose events are being read. */
  private from: Executor | null = null
  /**
   * What executors report to. Reports go through the inbox, in order, so an exit is never
   * applied before the results that came ahead of it, and a burst is applied in slices.
   */
  readonly hooks: ExecutorHooks

  constructor(host: ReportHost, inbox: Inbox) {
    this.host = host
    this.hooks = {
      onHello: (executor) =>
        inbox.push(() => {
          host.pool.hello(executor)
          return true
        }),
      onEvents: (executor, events) => {
        let at = 0
        inbox.push((deadline) => (at = this.apply(executor, events, at, deadline)) >= events.length)
      },
      // Applied after every report that came ahead of it. Its commands' groups are ended
      // first, and only then are its jobs put back or retried: a command left running while
      // its job runs again elsewhere would run twice at once.
      onExit: (executor, exit) =>
        inbox.push(() => {
          if (!host.groups.holds(executor)) {
            this.exited(executor, exit)
            return true
          }
          void host.groups.endOf(executor).then(() =>
            inbox.push(() => {
              this.exited(executor, exit)
              return true
            }),
          )
          return true
        }),
    }
  }

  /** Applies events from `at` until done or past `deadline`; returns where it stopped. */
  apply(executor: Executor, events: unknown[], at: number, deadline: number): number {
    this.from = executor
    return readEvents(events, at, this, deadline)
  }

  /** The job an event names, if it is the executor's to report on. */
  private owned(id: unknown): JobRecord | undefined {
    const job = this.host.states.get(id as number)
    return job !== undefined && job.workerId === this.from!.id ? job : undefined
  }

  /**
   * `ending`: its end follows in the same message, so it skips the passing "running" state and
   * the timeout timer. Its machine is asked again at its end (done, failed): a cluster's pack
   * redone on another agent after its agent died runs the job to its end there, and the
   * executor passes only the first start.
   */
  started(id: unknown, at: unknown, ending: boolean): void {
    const job = this.owned(id)
    if (!job) return
    const executor = this.from!
    job.lastWorkerId = executor.id
    job.machine = machineOfJob(executor, job.id)
    job.attempts++
    job.startedAt = timeOf(at) - this.host.epoch
    job.endedAt = NO_TIME
    job.progress = 0
    job.note = null
    job.error = null
    job.result = undefined
    this.host.workersChanged()
    if (ending) return
    executor.load.started()
    this.host.states.setState(job, 'running')
    this.host.stop.started(job)
  }

  done(id: unknown, at: unknown, result: unknown, resultFile: unknown, hasLog: unknown): void {
    const job = this.owned(id)
    if (!job) return
    const executor = this.from!
    const time = timeOf(at)
    executor.load.finished()
    if (!isJsonTree(result)) {
      this.host.release(executor, job)
      this.attemptFailed(job, 'job-error', 'the worker reported a result that is not plain JSON data', time)
      return
    }
    job.result = result
    job.resultFile = resultFileOf(resultFile)
    job.hasLog = hasLog === true
    job.machine = machineOfJob(executor, job.id)
    job.progress = 1
    this.host.costs.learn(job.kind, Math.max(0.001, time - this.host.epoch - job.startedAt))
    this.host.release(executor, job)
    this.host.states.finish(job, 'succeeded', null, time)
  }

  failed(id: unknown, at: unknown, code: unknown, message: unknown, hasLog: unknown): void {
    const job = this.owned(id)
    if (!job) return
    job.hasLog = hasLog === true
    job.machine = machineOfJob(this.from!, job.id)
    this.from!.load.finished()
    this.host.release(this.from!, job)
    this.attemptFailed(job, failureCodeOf(code, this.from!.machine !== null), messageOf(message), timeOf(at))
  }

  progress(id: unknown, fraction: unknown, note: unknown): void {
    const job = this.owned(id)
    if (!job || job.state !== 'running') return
    if (typeof fraction === 'number' && fraction >= 0 && fraction <= 1) job.progress = fraction
    job.note = typeof note === 'string' ? note : null
    this.host.changed(job)
  }

  dropped(id: unknown): void {
    const job = this.owned(id)
    if (!job) return
    this.host.release(this.from!, job)
    this.host.states.finish(job, 'cancelled', { code: 'cancelled', message: 'cancelled before it started' }, Date.now())
  }

  lateError(id: unknown, message: unknown, hasLog: unknown): void {
    // Its code threw after it had succeeded on this executor: the job, not the executor, failed.
    const job = this.host.states.get(id as number)
    if (!job || job.state !== 'succeeded' || job.lastWorkerId !== this.from!.id) return
    job.hasLog ||= hasLog === true
    job.error = { code: 'job-error', message: messageOf(message) }
    this.host.states.setState(job, 'failed')
  }

  command(id: unknown, pgid: unknown, since: unknown): void {
    // Job 0 is the executor's own group; any other must be a job it holds.
    if (id !== 0 && !this.owned(id)) return
    this.host.groups.started(this.from!, pgid, since)
  }

  commandEnded(pgid: unknown): void {
    this.host.groups.ended(this.from!, pgid)
  }

  private attemptFailed(job: JobRecord, code: FailureCode, message: string, at: number): void {
    if (code === 'cancelled' || job.stopping === 'cancel') {
      this.host.states.finish(job, 'cancelled', { code: 'cancelled', message: 'cancelled' }, at)
    } else if (code === 'timeout' || job.stopping === 'timeout') {
      this.host.states.failAttempt(job, 'timed-out', timeoutError(job), at)
    } else {
      this.host.states.failAttempt(job, 'failed', { code, message }, at)
    }
  }

  /**
   * A job being stopped that did not stop within the grace, or whose start never came (the
   * hand-off watchdog marks it stuck, a timeout): an executor that can let go of one job (a
   * cluster) does, and the job ends as it would have with its executor ended; any other
   * executor is ended (see exited).
   */
  force(job: JobRecord, executor: Executor): void {
    if (job.stopping === null || !executor.forget?.(job.id)) return this.host.pool.force(executor, job.id)
    this.host.release(executor, job)
    const now = Date.now()
    const message = 'cancelled (its machine had not stopped it after the grace period)'
    if (job.stopping === 'cancel') this.host.states.finish(job, 'cancelled', { code: 'cancelled', message }, now)
    else this.host.states.failAttempt(job, 'timed-out', timeoutError(job), now)
  }

  /** An executor has gone: each job it held ends, retries, or goes back to the queue. */
  exited(executor: Executor, exit: ExecutorExit): void {
    this.host.workersChanged()
    const { jobs, forcedBy } = this.host.pool.remove(executor)
    const now = Date.now()
    const putBack: JobRecord[] = []
    for (const job of jobs) {
      if (job.stopping === 'cancel') {
        this.host.states.finish(
          job,
          'cancelled',
          { code: 'cancelled', message: 'cancelled (worker stopped after the grace period)' },
          now,
        )
      } else if (job.stopping === 'timeout') {
        this.host.states.failAttempt(job, 'timed-out', timeoutError(job), now)
      } else if (job.state === 'running' && forcedBy === null) {
        const error: JobError = exit.outOfMemory
          ? { code: 'out-of-memory', message: exit.message }
          : { code: 'worker-crashed', message: exit.message }
        this.host.states.failAttempt(job, 'failed', error, now)
      } else if (!isTerminal(job.state)) {
        // Never started, or stopped only because another job on its executor had to be: run it again.
        this.host.stop.clear(job) // its timeout or hand-off watchdog belonged to that executor
        if (job.state === 'running') {
          job.attempts = Math.max(0, job.attempts - 1)
          this.host.states.setState(job, 'queued')
        }
        putBack.push(job)
      }
    }
    this.host.putBack(putBack)
  }
}
