// Job history as CSV or JSON, the same from the UI and the CLI.
import type { JobView } from './job.ts'

export const CSV_COLUMNS = [
  'id',
  'batchId',
  'name',
  'kind',
  'state',
  'lane',
  'executor',
  'attempts',
  'createdAt',
  'startedAt',
  'endedAt',
  'durationMs',
  'errorCode',
  'error',
  'result',
  'logFile',
] as const

function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString()
}

/** RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled. */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  // A leading =, +, - or @ would make spreadsheets evaluate the cell as a formula.
  const safe = /^[=+\-@]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function jobsToCsv(jobs: JobView[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const job of jobs) {
    const duration = job.startedAt !== null && job.endedAt !== null ? job.endedAt - job.startedAt : null
    lines.push(
      [
        job.id,
        job.batchId,
        job.name,
        job.kind,
        job.state,
        job.lane,
        job.executor,
        job.attempts,
        iso(job.createdAt),
        iso(job.startedAt),
        iso(job.endedAt),
        duration,
        job.error?.code ?? '',
        job.error?.message ?? '',
        job.result === undefined ? '' : job.result,
        job.logFile ?? '',
      ]
        .map(csvField)
        .join(','),
    )
  }
  return `${lines.join('\r\n')}\r\n`
}

export function jobsToJson(jobs: JobView[]): string {
  return `${JSON.stringify(jobs, null, 2)}\n`
}
