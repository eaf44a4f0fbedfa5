// Turns engine numbers into short, readable text for tables, meters and summaries.
import type { JobView } from '../../../shared/job.ts'

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

export function formatCount(n: number): string {
  return integer.format(n)
}

/** A count with its noun, grouped and singular or plural: "1 job", "20,261 jobs". */
export function countOf(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : pluralNoun}`
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const totalSeconds = Math.floor(ms / 1000)
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = String(totalSeconds % 60).padStart(2, '0')
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`
}

export function formatPercent(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '—' : `${Math.round(value)}%`
}

export function formatRate(perSecond: number): string {
  if (perSecond <= 0) return '—'
  return perSecond >= 10 ? `${formatCount(perSecond)}/s` : `${perSecond.toFixed(perSecond >= 1 ? 1 : 2)}/s`
}

/** How long a job has run (live while running, with `now`), or null before it started. */
export function jobDuration(job: JobView, now: number): number | null {
  if (job.startedAt === null) return null
  return (job.endedAt ?? Math.max(now, job.startedAt)) - job.startedAt
}

function compact(value: unknown, max: number): string {
  let text: string
  if (typeof value === 'string') text = value
  else {
    try {
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = String(value)
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** One line for the job table: the error, a result file, the result, or the progress note. */
export function resultSummary(job: JobView, max = 120): string {
  if (job.error) return job.error.message
  if (job.resultFile) return `→ ${job.resultFile.file} (${formatBytes(job.resultFile.bytes)})`
  if (job.result !== undefined) return compact(job.result, max)
  return job.note ?? ''
}

/** Like formatDuration, but keeps sub-millisecond figures readable (message round trips). */
export function formatPreciseDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms === 0) return '0 ms'
  if (ms < 1) return `${Math.round(ms * 1000)} µs`
  if (ms < 10) return `${ms.toFixed(1)} ms`
  return formatDuration(ms)
}

/** A speed-up factor: 2.8×, 0.82×, 12×. */
export function formatSpeedup(factor: number | null): string {
  if (factor === null || !Number.isFinite(factor) || factor <= 0) return '—'
  return `${factor >= 10 ? factor.toFixed(0) : factor >= 1 ? factor.toFixed(1) : factor.toFixed(2)}×`
}
