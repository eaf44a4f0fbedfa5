// Small, exact statistics for benchmark numbers: median, min, max over rounds, and
// nearest-rank percentiles over per-call samples. No interpolation, no outlier removal.
import type { Summary } from './types.ts'

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const s = sorted(values)
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)))
  return s[rank - 1]!
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const s = sorted(values)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function summarize(values: readonly number[]): Summary | null {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length === 0) return null
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length }
}
