// Renders rows for people: a fixed-width console table and a Markdown table, with the same
// columns (measure, Corelane median and range, peer median and range, ratio, target, result).
import type { Row, Summary } from './types.ts'

/** A number in a few significant digits: 151k, 42.7k, 663, 12.3, 1.85, 0.061. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value)
  if (!Number.isFinite(value)) return String(value)
  if (abs >= 100_000) return `${(value / 1000).toFixed(0)}k`
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)}k`
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  if (abs === 0) return '0'
  return value.toPrecision(2)
}

function formatSummary(s: Summary | null, unit: string): string {
  if (!s) return 'no data'
  const range = s.n > 1 ? ` (${formatNumber(s.min)}–${formatNumber(s.max)})` : ''
  return `${formatNumber(s.median)}${unit === '×' ? '×' : ` ${unit}`}${range}`
}

/** Rows measured while others used more than this share of the machine are flagged. */
export const NOISY_SHARE = 0.25

function loadCell(row: Row): string {
  if (typeof row.background !== 'number') return '?'
  const pct = `${Math.round(row.background * 100)}%`
  return row.background > NOISY_SHARE ? `${pct} (noisy)` : pct
}

export function resultText(row: Row): string {
  const missing = !row.corelane.summary || (row.targetKind === 'ratio' && !row.peer?.summary)
  if (missing) return row.met === null ? 'no data' : 'MISSED (no data)'
  if (row.met === null) return 'reported'
  return row.met ? 'met' : 'MISSED'
}

function cells(row: Row): string[] {
  return [
    `${row.measure}: ${row.label}`,
    formatSummary(row.corelane.summary, row.unit),
    row.peer ? row.peer.label : '—',
    row.peer ? formatSummary(row.peer.summary, row.unit) : '—',
    row.ratio === null ? '—' : `${row.ratio.toFixed(2)}×`,
    row.target,
    resultText(row),
    loadCell(row),
  ]
}

const HEADER = [
  'measure',
  'Corelane median (min–max)',
  'peer',
  'peer median (min–max)',
  'ratio',
  'target',
  'result',
  "others' CPU",
]

export function consoleTable(rows: Row[]): string {
  const table = [HEADER, ...rows.map(cells)]
  const widths = HEADER.map((_, c) => Math.max(...table.map((r) => r[c]!.length)))
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '─'.repeat(w)).join('  ')
  return [line(table[0]!), rule, ...table.slice(1).map(line)].join('\n')
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  const out = [`| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`]
  for (const row of rows) {
    const c = cells(row).map(esc)
    if (c[6] !== 'met' && c[6] !== 'reported') c[6] = `**${c[6]}**`
    out.push(`| ${c.join(' | ')} |`)
  }
  return out.join('\n')
}
