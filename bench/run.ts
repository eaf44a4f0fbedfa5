// `npm run bench` — runs Corelane and its peers, interleaved round by round, each variant in a
// fresh child process, and prints medians, ranges, ratios and whether each target is met,
// with the machine it ran on. Writes bench/results/<name>.json (raw rounds + summary) and
// bench/results/<name>.md (the table the README links to).
//
//   node bench/run.ts [--quick] [--only throughput,latency] [--rounds N]
import { rename, writeFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { machineInfo, machineLine } from './lib/machine.ts'
import { runChild, runRounds } from './lib/rounds.ts'
import { NOISY_SHARE, consoleTable, formatNumber, markdownTable, resultText } from './lib/table.ts'
import { summarize } from './lib/stats.ts'
import type { Measure, RoundResult, Row, Samples, Summary, VariantContext } from './lib/types.ts'
import { MEASURE_NAMES, loadMeasure } from './measures/index.ts'

interface Args {
  quick: boolean
  only: string[] | null
  rounds: number | null
  /** Before each variant, wait up to this long for other processes to go quiet. */
  settleMs: number | null
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: null, rounds: null, settleMs: null }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined]
    const value = () => inline ?? argv[++i] ?? ''
    if (flag === '--quick') args.quick = true
    else if (flag === '--only')
      args.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    else if (flag === '--rounds') args.rounds = Number(value())
    else if (flag === '--settle-ms') args.settleMs = Number(value())
    else if (flag === '--help' || flag === '-h') {
      console.log(`usage: node bench/run.ts [--quick] [--only ${MEASURE_NAMES.join(',')}] [--rounds N] [--settle-ms MS]`)
      process.exit(0)
    } else {
      console.error(`unknown argument ${arg}`)
      process.exit(2)
    }
  }
  if (args.only) {
    const unknown = args.only.filter((name) => !(MEASURE_NAMES as readonly string[]).includes(name))
    if (unknown.length) {
      console.error(`unknown measure(s): ${unknown.join(', ')}; known: ${MEASURE_NAMES.join(', ')}`)
      process.exit(2)
    }
  }
  if (args.settleMs !== null && !(Number.isFinite(args.settleMs) && args.settleMs >= 0)) {
    console.error('--settle-ms needs a number of milliseconds ≥ 0')
    process.exit(2)
  }
  if (args.rounds !== null && !(Number.isInteger(args.rounds) && args.rounds >= 1)) {
    console.error('--rounds needs a whole number ≥ 1')
    process.exit(2)
  }
  return args
}

interface MeasureReport {
  name: string
  title: string
  how: string
  skipped: string | null
  prepared: Record<string, unknown>
  durationMs: number
  /** Variants left out (reported-only ones, in --quick). */
  notRun: string[]
  /** CPU share of the whole machine used by other processes while this measure's variants ran. */
  background: Summary | null
  rounds: RoundResult[]
  rows: Row[]
}

function backgroundText(s: Summary | null): string {
  if (!s) return 'background load unknown (needs /proc)'
  const pct = (x: number) => `${Math.round(x * 100)}%`
  return `other processes used ${pct(s.median)} of the machine's CPU (median over runs; max ${pct(s.max)})`
}

function briefMetrics(result: RoundResult): string {
  if (result.error) return `FAILED: ${result.error.split('\n')[0]}`
  return Object.entries(result.metrics ?? {})
    .slice(0, 3)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ')
}

async function runMeasure(measure: Measure, args: Args, rounds: number, settleMs: number): Promise<MeasureReport> {
  const started = performance.now()
  const report: MeasureReport = {
    name: measure.name,
    title: measure.title,
    how: measure.how(args.quick),
    skipped: measure.unavailable?.() ?? null,
    prepared: {},
    durationMs: 0,
    background: null,
    notRun: [],
    rounds: [],
    rows: [],
  }
  if (report.skipped) {
    console.error(`\n[${measure.name}] skipped: ${report.skipped}`)
    return report
  }
  console.error(`\n[${measure.name}] ${measure.title}: ${rounds} round(s) × ${measure.variants.length} variants`)
  const base: VariantContext = { quick: args.quick, prepared: {} }
  if (measure.prepare) {
    report.prepared = await measure.prepare(args.quick, async (variant) => (await runChild(measure, variant, base)).metrics)
    console.error(`[${measure.name}] prepared ${JSON.stringify(report.prepared)}`)
  }
  const ctx: VariantContext = { quick: args.quick, prepared: report.prepared }
  // --quick has no time for the variants that only feed reported rows; the full run has them all.
  report.notRun = args.quick ? (measure.context ?? []) : []
  const variants = measure.variants.filter((v) => !report.notRun.includes(v))
  report.rounds = await runRounds(measure, variants, rounds, ctx, settleMs, (r) => {
    const bg = typeof r.background === 'number' ? `, others used ${Math.round(r.background * 100)}% of the machine` : ''
    console.error(
      `  round ${r.round + 1}/${rounds} #${r.order + 1} ${r.variant.padEnd(22)} ${briefMetrics(r)}  (${r.ms} ms${bg})`,
    )
  })
  const samples: Samples = {}
  for (const r of report.rounds) if (r.metrics) (samples[r.variant] ??= []).push(r.metrics)
  for (const row of measure.rows(samples, ctx)) {
    if (report.notRun.includes(row.corelane.variant)) continue
    if (row.peer && report.notRun.includes(row.peer.variant)) {
      // A fixed-number target stands without its baseline; a comparison does not.
      if (row.targetKind !== 'absolute') continue
      row.peer = null
      row.ratio = null
    }
    report.rows.push(row)
  }
  for (const row of report.rows) {
    const involved = new Set([row.corelane.variant, row.peer?.variant])
    const shares = report.rounds
      .filter((r) => involved.has(r.variant) && typeof r.background === 'number')
      .map((r) => r.background!)
    row.background = summarize(shares)?.median ?? null
  }
  report.durationMs = Math.round(performance.now() - started)
  report.background = summarize(report.rounds.map((r) => r.background).filter((b): b is number => typeof b === 'number'))
  console.error(`\n${consoleTable(report.rows)}`)
  console.error(`[${measure.name}] ${(report.durationMs / 1000).toFixed(1)} s; ${backgroundText(report.background)}`)
  if (report.notRun.length) console.error(`[${measure.name}] not run in --quick (reported-only): ${report.notRun.join(', ')}`)
  return report
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text)
  await rename(`${path}.tmp`, path)
}

function missedText(r: Row): string {
  const load =
    typeof r.background === 'number' && r.background > NOISY_SHARE
      ? `; measured while other processes used ${Math.round(r.background * 100)}% of the machine`
      : ''
  const vs = r.peer && r.targetKind === 'ratio' ? ` vs ${r.peer.label}` : ''
  return `${r.measure}: ${r.label}${vs} (target ${r.target}${load})`
}

function settleText(settleMs: number): string {
  return settleMs > 0
    ? `Before each variant the runner waited (up to ${settleMs / 1000} s) for a 100 ms window in which other processes used < 15% of the machine.`
    : 'No waiting for a quiet machine between variants.'
}

function markdown(
  reports: MeasureReport[],
  machine: string,
  args: Args,
  rounds: number,
  settleMs: number,
  command: string,
  ms: number,
): string {
  const rows = reports.flatMap((r) => r.rows)
  const missed = rows.filter((r) => resultText(r).startsWith('MISSED'))
  const lines = [
    `# Corelane benchmarks${args.quick ? ' (quick run)' : ''}`,
    '',
    `Machine: ${machine}`,
    '',
    `Command: \`${command}\` — ${rounds} interleaved round(s) per measure, each variant in a fresh Node process; ` +
      `median (min–max) over rounds; ratio = Corelane median / peer median. ${settleText(settleMs)} ` +
      `Total ${(ms / 1000).toFixed(0)} s.`,
    '',
    markdownTable(rows),
    '',
    missed.length ? `**Targets missed (${missed.length}):** ${missed.map(missedText).join('; ')}.` : 'All targets met.',
    '',
    '## How each measure was taken',
    '',
  ]
  for (const r of reports) {
    const notRun = r.notRun.length ? ` Not run in this quick run (reported-only): ${r.notRun.join(', ')}.` : ''
    lines.push(
      `- **${r.name}** — ${r.skipped ? `skipped: ${r.skipped}` : `${r.how}${notRun} Meanwhile ${backgroundText(r.background)}.`}`,
    )
  }
  const failures = reports.flatMap((r) =>
    r.rounds.filter((x) => x.error).map((x) => `${r.name}/${x.variant} round ${x.round + 1}`),
  )
  if (failures.length) lines.push('', `Failed runs (left out of the medians): ${failures.join(', ')}.`)
  lines.push('', 'Raw rounds: see the JSON file next to this one.', '')
  return lines.join('\n')
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const rounds = args.rounds ?? (args.quick ? 3 : 9)
  // The full run waits for a quiet machine before each variant; --quick has no time for it.
  const settleMs = args.settleMs ?? (args.quick ? 0 : 1500)
  const names = args.only ?? [...MEASURE_NAMES]
  const info = machineInfo()
  const machine = machineLine(info)
  const command = ['node bench/run.ts', ...process.argv.slice(2)].join(' ')
  console.error(`Corelane bench${args.quick ? ' (quick)' : ''}: ${names.join(', ')}`)
  console.error(`Machine: ${machine}`)
  console.error(settleText(settleMs))
  const started = performance.now()
  const reports: MeasureReport[] = []
  for (const name of names) reports.push(await runMeasure(await loadMeasure(name), args, rounds, settleMs))
  const ms = Math.round(performance.now() - started)
  const rows = reports.flatMap((r) => r.rows)

  console.log(`\nCorelane bench — ${rounds} interleaved round(s), median (min–max), ratio = Corelane / peer`)
  console.log(`Machine: ${machine}\n`)
  console.log(consoleTable(rows))
  console.log('')
  for (const r of reports)
    if (!r.skipped)
      console.log(`${r.name.padEnd(13)} ${(r.durationMs / 1000).toFixed(1).padStart(5)} s; ${backgroundText(r.background)}`)
  const skipped = reports.filter((r) => r.skipped)
  for (const r of skipped) console.log(`skipped ${r.name}: ${r.skipped}`)
  const missed = rows.filter((r) => resultText(r).startsWith('MISSED'))
  const met = rows.filter((r) => r.met === true)
  console.log(`\nTargets: ${met.length} met, ${missed.length} MISSED.`)
  for (const r of missed) console.log(`  MISSED: ${missedText(r)}`)

  const partial = args.only !== null || args.rounds !== null
  const base = `${args.quick ? 'quick' : 'latest'}${partial ? '-partial' : ''}`
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  await mkdir(dir, { recursive: true })
  const json = {
    command,
    quick: args.quick,
    rounds,
    settleMs,
    machine: info,
    durationMs: ms,
    summary: { met: met.length, missed: missed.length, reported: rows.filter((r) => r.met === null).length },
    measures: reports,
  }
  await writeAtomic(`${dir}${base}.json`, `${JSON.stringify(json, null, 2)}\n`)
  await writeAtomic(`${dir}${base}.md`, markdown(reports, machine, args, rounds, settleMs, command, ms))
  console.log(`\nWrote bench/results/${base}.json and bench/results/${base}.md in ${(ms / 1000).toFixed(1)} s total.`)
}

await main()
