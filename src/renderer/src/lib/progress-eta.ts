// A batch's ETA from the progress its running jobs report, for when too few jobs have ended
// for a throughput (a batch of 30 long jobs, each half done, has finished none). Each running
// job with progress p after t ms is expected to take t / p in all; the work left (the running
// jobs' remainders plus one such job per queued one) is shared by the jobs running now.
import type { JobView } from '../../../shared/job.ts'

/** Progress below this says too little about the whole (a job that just began). */
const MIN_PROGRESS = 0.01

export function progressEta(running: readonly JobView[], waiting: number, now: number): number | null {
  let sumRemaining = 0
  let sumTotal = 0
  let maxRemaining = 0
  let measured = 0
  for (const job of running) {
    if (job.startedAt === null || job.progress < MIN_PROGRESS || job.progress >= 1) continue
    const elapsed = Math.max(0, now - job.startedAt)
    const total = elapsed / job.progress
    const remaining = total - elapsed
    sumRemaining += remaining
    sumTotal += total
    maxRemaining = Math.max(maxRemaining, remaining)
    measured++
  }
  if (!measured) return null
  const slots = Math.max(1, running.length)
  // Unmeasured running jobs are assumed to be as far along as the measured ones, on average.
  const runningLeft = (sumRemaining / measured) * running.length
  const queuedLeft = waiting * (sumTotal / measured)
  return Math.round(Math.max(maxRemaining, (runningLeft + queuedLeft) / slots))
}
