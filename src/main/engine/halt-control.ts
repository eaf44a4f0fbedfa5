// GNU parallel's --halt for one batch, on the engine's public surface: it counts the batch's
// jobs as they settle and, once the rule is met, cancels the running jobs too (`now`) or only
// those not started (`soon`: the running ones finish). The CLI and the API host (the window's
// submissions) attach it to the batch they submitted.
import { isTerminal, type JobView } from '../../shared/job.ts'
import { haltReached, type HaltRule, type HaltTally } from '../../shared/halt.ts'
import type { Engine } from './types.ts'

export interface HaltOutcome {
  rule: HaltRule
  /** The tally when the rule was met. */
  tally: HaltTally
  /** Jobs the halt cancelled (running ones too, for `now`); 0 while `onHalt` runs, before it cancels. */
  cancelled: number
}

export interface HaltWatch {
  /** Set once the rule has been met. */
  readonly outcome: HaltOutcome | null
  /** Stops watching (the batch is done, or the engine is closing). */
  stop(): void
}

/**
 * A streamed batch, watched by its id (its jobs are not known up front and leave memory as
 * they finish): `total` is its known length, or what has been read so far while that grows
 * (a percentage is then of the jobs read so far); `stopReading` ends the reading of its input
 * when the rule is met.
 */
export interface StreamedBatch {
  batchId: number
  total: () => number
  stopReading: () => void
}

/** Watches the jobs `jobIds` (one batch, or the jobs a resume runs again), or a streamed batch, under `rule`. */
export function watchHalt(
  engine: Engine,
  scope: readonly number[] | StreamedBatch,
  rule: HaltRule,
  onHalt?: (outcome: HaltOutcome) => void,
): HaltWatch {
  const stream = Array.isArray(scope) ? null : (scope as StreamedBatch)
  const ids = new Set(stream ? [] : (scope as readonly number[]))
  const member = stream ? (job: JobView) => job.batchId === stream.batchId : (job: JobView) => ids.has(job.id)
  const tally: HaltTally = { failed: 0, succeeded: 0, total: ids.size }
  let outcome: HaltOutcome | null = null
  let unsubscribe: (() => void) | null = null
  let stopped = false

  // Jobs that `soon` still allows: running ones. Everything else of the batch that is not over
  // (queued, handed to a worker but not started, waiting to retry) is cancelled.
  const cancelWaiting = (jobs: Iterable<JobView>): number => {
    const waiting: number[] = []
    for (const job of jobs) if (member(job) && !isTerminal(job.state) && job.state !== 'running') waiting.push(job.id)
    return waiting.length ? engine.cancel(waiting) : 0
  }
  const unfinished = (): JobView[] => {
    // A stream's jobs in memory are at most its window: the rest have finished.
    if (stream)
      return engine
        .listJobs({ batchId: stream.batchId, limit: Number.MAX_SAFE_INTEGER })
        .jobs.filter((job) => !isTerminal(job.state))
    const out: JobView[] = []
    for (const id of ids) {
      const job = engine.getJob(id)
      if (job && !isTerminal(job.state)) out.push(job)
    }
    return out
  }

  const halt = () => {
    if (stopped) return
    outcome = { rule, tally: { ...tally }, cancelled: 0 }
    // Told first, so that what the owner prints comes before the cancelled jobs' own reports.
    onHalt?.(outcome)
    stream?.stopReading()
    const open = unfinished()
    outcome.cancelled = rule.when === 'now' ? engine.cancel(open.map((job) => job.id)) : cancelWaiting(open)
    // Under `soon` a running job that fails with retries left waits to retry instead of
    // settling; it must not start again, so later changes are watched for such jobs too.
    if (rule.when === 'soon') {
      unsubscribe = engine.subscribe((changes) => {
        if (outcome) outcome.cancelled += cancelWaiting(changes.jobs)
      })
    }
  }

  let reached = false
  const count = (job: JobView): boolean => {
    if (job.state === 'succeeded') tally.succeeded++
    else if (job.state === 'failed' || job.state === 'timed-out') tally.failed++
    else return false
    return true
  }
  const stopSettled = engine.onJobSettled((job) => {
    if (!member(job) || reached || !count(job)) return
    if (stream) tally.total = stream.total()
    if (!haltReached(rule, tally)) return
    reached = true
    // At once, inside the settle callback: the engine has already freed the job's slot and
    // queued a dispatch (a microtask), and cancelling later would let that dispatch hand a
    // queued job to the free worker first, which `soon` forbids. The one exception is a job
    // ended by its worker's exit (a crash, the memory ceiling, a timeout that had to terminate
    // the worker): the engine is then still going through that worker's other jobs, which are
    // in no queue until it puts them back, so the cancels wait for it to finish.
    const byWorkerExit = job.state === 'timed-out' || job.error?.code === 'worker-crashed' || job.error?.code === 'out-of-memory'
    if (byWorkerExit) queueMicrotask(halt)
    else halt()
  })
  // Jobs of a large batch can end while it is still being submitted, before this watch exists.
  for (const id of ids) {
    const job = engine.getJob(id)
    if (job && isTerminal(job.state)) count(job)
  }
  if (haltReached(rule, tally)) {
    reached = true
    queueMicrotask(halt)
  }

  return {
    get outcome() {
      return outcome
    },
    stop() {
      stopped = true
      stopSettled()
      unsubscribe?.()
    },
  }
}
