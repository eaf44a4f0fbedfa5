// Turns per-round samples into table rows: Corelane's median and range, the peer's, the ratio
// of medians, and whether the target is met. Every measure builds its rows with `row`, most
// through `rowsOf`, which fills in what all rows of one measure share.
import { summarize } from './stats.ts'
import type { Row, Samples, Target } from './types.ts'

export interface RowSpec {
  measure: string
  label: string
  unit: string
  /** [variant, metric] of Corelane's number. */
  corelane: [string, string]
  /** [variant, metric, label] of the peer's number, if the row compares against one. */
  peer?: [string, string, string]
  target: Target
  note?: string
}

/** The target of a row that is only reported. */
export const REPORTED: Target = { reported: 'reported' }

function values(samples: Samples, variant: string, metric: string): number[] {
  return (samples[variant] ?? []).map((m) => m[metric]).filter((v): v is number => typeof v === 'number')
}

export function row(samples: Samples, spec: RowSpec): Row {
  const c = summarize(values(samples, spec.corelane[0], spec.corelane[1]))
  const p = spec.peer ? summarize(values(samples, spec.peer[0], spec.peer[1])) : null
  const ratio = c && p && p.median !== 0 ? c.median / p.median : null
  const t = spec.target
  let target: string
  let met: boolean | null
  const unit = spec.unit === '×' ? '×' : ` ${spec.unit}`
  if ('ratioAtLeast' in t) {
    target = `≥ ${t.ratioAtLeast}× ${spec.peer?.[2] ?? 'peer'}`
    met = ratio === null ? false : ratio >= t.ratioAtLeast
  } else if ('ratioAtMost' in t) {
    target = `≤ ${t.ratioAtMost}× ${spec.peer?.[2] ?? 'peer'}`
    met = ratio === null ? false : ratio <= t.ratioAtMost
  } else if ('atMost' in t) {
    target = `≤ ${t.atMost}${unit}`
    met = c ? c.median <= t.atMost : false
  } else if ('atLeast' in t) {
    target = `≥ ${t.atLeast}${unit}`
    met = c ? c.median >= t.atLeast : false
  } else {
    target = t.reported
    met = null
  }
  return {
    measure: spec.measure,
    label: spec.label,
    unit: spec.unit,
    corelane: { variant: spec.corelane[0], metric: spec.corelane[1], summary: c },
    peer: spec.peer ? { variant: spec.peer[0], metric: spec.peer[1], label: spec.peer[2], summary: p } : null,
    ratio,
    target,
    targetKind: 'ratioAtLeast' in t || 'ratioAtMost' in t ? 'ratio' : 'reported' in t ? 'reported' : 'absolute',
    met,
    ...(spec.note ? { note: spec.note } : {}),
  }
}

/** A row spec without the measure's name, and with its unit optional (the measure's usual one). */
export type MeasureRowSpec = Omit<RowSpec, 'measure' | 'unit'> & { unit?: string }

/** `row` for one measure: its samples, name and usual unit filled in. */
export function rowsOf(samples: Samples, measure: string, unit: string): (spec: MeasureRowSpec) => Row {
  return (spec) => row(samples, { ...spec, measure, unit: spec.unit ?? unit })
}
