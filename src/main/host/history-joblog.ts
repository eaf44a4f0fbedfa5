// History exported as GNU parallel's joblog (the window's "Export JOBLOG"): the same lines
// `corelane run --joblog` writes, for jobs from the database. History has no run numbering,
// so Seq is the job's id; Receive is the bytes of its log that came from stdout, read here
// (the host may read files; the shared formatter may not).
import { join } from 'node:path'
import { commandLine } from '../../shared/command-line.ts'
import { jobsToJoblog, type JoblogEntry } from '../../shared/export.ts'
import { logFileName } from '../engine/data-layout.ts'
import type { StoredJob } from '../engine/index.ts'
import { stdoutBytes } from '../engine/log-streams.ts'

/** Log sizes are read this many at a time, so a 100,000-job export does not open them all at once. */
const STAT_BATCH = 256

export async function historyJoblog(jobs: StoredJob[], logDir: string): Promise<string> {
  // The joblog reads in the order jobs ran; history pages come newest first.
  const ordered = [...jobs].sort((a, b) => (a.startedAt ?? a.endedAt ?? 0) - (b.startedAt ?? b.endedAt ?? 0) || a.id - b.id)
  const entries: JoblogEntry[] = []
  for (let i = 0; i < ordered.length; i += STAT_BATCH) {
    const slice = ordered.slice(i, i + STAT_BATCH)
    const sizes = await Promise.all(
      slice.map((job) => (job.hasLog && logDir ? stdoutBytes(join(logDir, logFileName(job.id))) : 0)),
    )
    slice.forEach((job, k) => {
      const entry: JoblogEntry = {
        seq: job.id,
        state: job.state,
        startedAt: job.startedAt,
        endedAt: job.endedAt,
        receive: sizes[k],
        command: commandLine(job),
      }
      if (job.error) entry.error = job.error
      entries.push(entry)
    })
  }
  return jobsToJoblog(entries)
}
