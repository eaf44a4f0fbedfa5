// The one place a job becomes the view the window, the web clients, the CLI and exports show:
// from the engine's live record (recordView in job-record.ts) or from a database row (storedToView).
import { join } from 'node:path'
import { logFileName } from './data-layout.ts'
import type { JobView } from '../../shared/job.ts'
import type { StoredJob } from './store/rows.ts'

/** The fields a view copies as they are; names, times and the worker are given beside them. */
export interface ViewSource {
  readonly id: number
  readonly batchId: number
  readonly kind: string
  readonly lane: JobView['lane']
  readonly executor: JobView['executor']
  readonly priority: number
  readonly state: JobView['state']
  readonly attempts: number
  readonly maxRetries: number
  readonly timeoutMs: number
  readonly progress: number
  readonly note: string | null
  readonly machine: string | null
  readonly hasLog: boolean
  readonly result: unknown
  readonly resultFile: JobView['resultFile'] | null
  readonly error: JobView['error'] | null
}

/** `customName`: the name the user gave it, or null (it is then named after its kind and id). */
export function buildJobView(
  job: ViewSource,
  customName: string | null,
  workerId: number | null,
  createdAt: number,
  startedAt: number | null,
  endedAt: number | null,
  logDir: string,
  after: readonly number[] | null = null,
): JobView {
  const view: JobView = {
    id: job.id,
    batchId: job.batchId,
    name: customName ?? `${job.kind} #${job.id}`,
    kind: job.kind,
    lane: job.lane,
    executor: job.executor,
    priority: job.priority,
    state: job.state,
    attempts: job.attempts,
    maxRetries: job.maxRetries,
    timeoutMs: job.timeoutMs > 0 ? job.timeoutMs : null,
    progress: job.progress,
    note: job.note,
    workerId,
    machine: job.machine,
    createdAt,
    startedAt,
    endedAt,
    logFile: job.hasLog ? join(logDir, logFileName(job.id)) : null,
  }
  if (job.result !== undefined) view.result = job.result
  if (job.resultFile) view.resultFile = job.resultFile
  if (job.error) view.error = job.error
  if (after?.length) view.after = [...after]
  return view
}

/** A stored row as the view the UI and exports use (History, `corelane history`). */
export function storedToView(job: StoredJob, logDir: string): JobView {
  return buildJobView(job, job.name, null, job.createdAt, job.startedAt, job.endedAt, logDir, job.after ?? null)
}
