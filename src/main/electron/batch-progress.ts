// What the taskbar or dock icon shows for the batches: the share of the running batches' jobs
// that are done (null when none runs: no bar), and the failed jobs of this session's batches
// (the badge). Pure (no electron), so it is tested on plain Node.
import type { BatchView } from '../../shared/job.ts'

export interface BatchProgress {
  /** 0..1 over every running batch's jobs, or null when no batch runs. */
  progress: number | null
  /** Failed and timed-out jobs over all batches listed. */
  failed: number
}

export function batchProgress(batches: BatchView[]): BatchProgress {
  let total = 0
  let done = 0
  let failed = 0
  for (const batch of batches) {
    failed += batch.counts.failed + batch.counts['timed-out']
    if (batch.endedAt !== null) continue
    total += batch.total
    done += batch.counts.succeeded + batch.counts.failed + batch.counts['timed-out'] + batch.counts.cancelled
  }
  return { progress: total === 0 ? null : Math.min(1, done / total), failed }
}
