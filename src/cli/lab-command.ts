// `corelane lab <experiment>`: runs one of the classic concurrency experiments on this
// machine and prints what was measured, the expectation checks and the explanation.
import { bandText, EXPERIMENT_IDS, type LabResult } from '../shared/lab.ts'
import { labToCsv } from '../shared/lab-export.ts'
import { startMonitor, type Monitor } from '../main/engine/index.ts'
import { compileCacheDir } from '../main/engine/data-layout.ts'
import { EXPERIMENTS } from '../main/host/lab/experiments.ts'
import { runExperiment } from '../main/host/lab/lab-runner.ts'
import type { LabFlags } from './args.ts'
import { defaultDataDir } from './data-dir.ts'
import { InputError } from './input-error.ts'

function ms(value: number): string {
  if (value < 1) return `${(value * 1000).toFixed(0)} µs`
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`
}

/** `firstAnswerMs` -> `first answer`. */
const labelOf = (key: string) => key.slice(0, -2).replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)

export function renderLab(result: LabResult): string {
  const lines = [`${result.title} (${result.scale}, pool ${result.pool}, ${result.cores} cores)`]
  if (result.cpuTask) {
    lines.push(
      `  one CPU task: n = ${result.cpuTask.n.toExponential(2)}, sized to about ${ms(result.cpuTask.targetMs)} on this machine`,
    )
  }
  lines.push('')
  lines.push(
    `  ${'strategy'.padEnd(38)} ${'wall'.padStart(9)} ${'speed-up'.padStart(9)} ${'effic.'.padStart(7)} ${'start-up'.padStart(9)}  core load`,
  )
  for (const r of result.strategies) {
    if (r.skipped) {
      lines.push(`  ${r.label.padEnd(38)} skipped: ${r.skipped}`)
      continue
    }
    // A speed-up without a sequential run, or an efficiency of work that uses no core, is a dash.
    const speedup = r.speedup === null ? '—' : `${r.speedup.toFixed(2)}×`
    const efficiency = r.efficiency === null ? '—' : `${Math.round(r.efficiency * 100)}%`
    lines.push(
      `  ${r.label.padEnd(38)} ${ms(r.wallMs).padStart(9)} ${speedup.padStart(9)} ${efficiency.padStart(7)} ${ms(r.startupMs).padStart(9)}  ${r.coreLoad.map((l) => `${Math.round(l)}%`).join(' ')}`,
    )
    // The experiment's own figures (start-up's first answer, round trip, bare spawn), so two strategies' costs read side by side.
    const extra = Object.entries(r.extra ?? {}).filter(([key]) => key.endsWith('Ms'))
    if (extra.length) lines.push(`  ${''.padEnd(38)} ${extra.map(([key, value]) => `${labelOf(key)} ${ms(value)}`).join(' · ')}`)
  }
  lines.push('')
  for (const c of result.checks) {
    lines.push(
      `  ${c.met ? 'met   ' : 'MISSED'}  ${c.text}: expected ${ms(c.expectedMs)}${bandText(c)}, measured ${ms(c.measuredMs)}`,
    )
  }
  if (result.python.note) lines.push(`  note: ${result.python.note}`)
  lines.push('', `  ${result.explanation}`, '')
  return lines.join('\n')
}

/**
 * The monitor a lab run records per-core load with: load only. The process list (hundreds of
 * /proc reads a second) and the hardware readings (sensors spawn programs) are work on the very
 * cores being measured, and the lab's results use neither.
 */
export function startLabMonitor(): Monitor {
  return startMonitor({ hz: 4, processes: false, hardware: false, onError: () => undefined })
}

export async function labCommand(experiment: string | undefined, flags: LabFlags, out: NodeJS.WritableStream): Promise<number> {
  if (!experiment || experiment === 'list') {
    for (const id of EXPERIMENT_IDS) out.write(`${id.padEnd(16)} ${EXPERIMENTS[id].question} (${EXPERIMENTS[id].expectation})\n`)
    return 0
  }
  if (!(EXPERIMENT_IDS as readonly string[]).includes(experiment)) {
    throw new InputError('arguments', [
      { field: '<experiment>', message: `unknown experiment "${experiment}" (known: ${EXPERIMENT_IDS.join(', ')})` },
    ])
  }
  const monitor = startLabMonitor()
  try {
    const result = await runExperiment(
      {
        experiment: experiment as (typeof EXPERIMENT_IDS)[number],
        pool: flags.pool,
        scale: flags.quick ? 'quick' : 'full',
        python: flags.python,
      },
      {
        monitor,
        dataDir: flags['data-dir'],
        // The CLI's own engines keep their compile cache here, so the lab starts workers as `run` does.
        compileCacheDir: compileCacheDir(flags['data-dir'] ?? defaultDataDir()),
        onProgress: flags.json || flags.csv ? undefined : (note) => process.stderr.write(`  running: ${note}\n`),
      },
    )
    if (flags.json) out.write(`${JSON.stringify(result)}\n`)
    else if (flags.csv) out.write(labToCsv(result))
    else out.write(renderLab(result))
    return result.checks.every((c) => c.met) ? 0 : 1
  } finally {
    await monitor.close()
  }
}
