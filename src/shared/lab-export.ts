// A lab result as CSV (one row per strategy), for the CLI and the Lab view's export button.
// A speed-up or efficiency that does not apply is an empty field.
import { csvField } from './export.ts'
import type { LabResult } from './lab.ts'

export function labToCsv(result: LabResult): string {
  const cores = Array.from({ length: result.cores }, (_, i) => `core${i}Load`)
  const header = ['experiment', 'strategy', 'label', 'pool', 'wallMs', 'speedup', 'efficiency', 'startupMs', ...cores, 'skipped']
  const rows = result.strategies.map((r) =>
    [
      result.experiment,
      r.strategy,
      r.label,
      r.pool,
      r.wallMs.toFixed(1),
      r.speedup?.toFixed(3) ?? '',
      r.efficiency?.toFixed(3) ?? '',
      r.startupMs.toFixed(1),
      ...r.coreLoad.map((l) => l.toFixed(1)),
      r.skipped ?? '',
    ]
      .map(csvField)
      .join(','),
  )
  return `${[header.join(','), ...rows].join('\r\n')}\r\n`
}
