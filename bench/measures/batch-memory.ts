// Memory of long batches through the CLI: peak resident memory of a 2,000,000-job batch and the
// steady resident memory during a 10,000,000-job batch, with jobs/s. Targets (issue #11):
// ≤ 400 MB peak, ≤ 300 MB steady. Sampled from /proc while the real `corelane run` works.
import { readFile } from 'node:fs/promises'
import { corelaneCommand, NODE, runCommand } from '../lib/command.ts'
import { median } from '../lib/stats.ts'
import { rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'

const CORELANE = corelaneCommand()
const SAMPLE_MS = 250
const sizes = (quick: boolean) => (quick ? { peak: 200_000, steady: 1_000_000 } : { peak: 2_000_000, steady: 10_000_000 })

/** VmRSS and VmHWM (peak) of a process, MB, or null once it is gone. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 }
  } catch {
    return null
  }
}

async function runBatch(jobs: number): Promise<Metrics> {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), 'corelane-bench-mem-'))
  const batch = join(dir, 'batch.json')
  await writeFile(batch, JSON.stringify({ name: `${jobs} no-ops`, template: { kind: 'noop', params: {} }, count: jobs }))
  const samples: { at: number; rss: number; hwm: number }[] = []
  let timer: NodeJS.Timeout | undefined
  const t0 = performance.now()
  try {
    // Without --json (millions of lines would cost this side more than the CLI), the summary line on stderr.
    const run = await runCommand(NODE, [...CORELANE, 'run', '--data-dir', join(dir, 'data'), batch], {
      onStart: (pid) => {
        timer = setInterval(() => {
          void memoryOf(pid).then((m) => m && samples.push({ at: performance.now() - t0, ...m }))
        }, SAMPLE_MS)
      },
    })
    clearInterval(timer)
    const summary = /(\d+)\/(\d+) succeeded/.exec(run.stderr)
    if (Number(summary?.[1]) !== jobs || Number(summary?.[2]) !== jobs)
      throw new Error(`expected ${jobs} succeeded: ${run.stderr}`)
    if (samples.length < 4) throw new Error('too few memory samples')
    // Steady: the median over the run's last three quarters (start-up and the first chunks left out).
    const steady = median(samples.filter((s) => s.at > run.ms / 4).map((s) => s.rss))
    return { peakMb: Math.max(...samples.map((s) => s.hwm)), steadyMb: steady, jobsPerSec: jobs / (run.ms / 1000) }
  } finally {
    clearInterval(timer)
    await rm(dir, { recursive: true, force: true })
  }
}

export const measure: Measure = {
  name: 'batch-memory',
  title: 'Memory of long batches (CLI)',
  how: (quick) => {
    const { peak, steady } = sizes(quick)
    return (
      `\`node [the entry's shebang flags] src/cli/corelane.mjs run --data-dir D batch.json\` (as the installed command runs) with { template: { kind: 'noop' }, count: N } ` +
      `(N = ${peak.toLocaleString('en')} for the peak, ${steady.toLocaleString('en')} for the steady state), its ` +
      `summary line checked (every job succeeded); VmRSS and VmHWM of the CLI process (its worker threads included) read ` +
      `from /proc/<pid>/status every ${SAMPLE_MS} ms. Peak = the largest VmHWM; steady = the median VmRSS after the ` +
      `first quarter of the run; jobs/s = N / wall time.`
    )
  },
  variants: ['peak', 'steady'],
  context: ['steady'],
  // Ten million jobs take minutes (the store commits some 25,000–60,000 rows a second here).
  timeoutMs: 1_200_000,
  unavailable: () => (process.platform === 'linux' ? null : 'reads /proc (Linux only)'),
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const { peak, steady } = sizes(ctx.quick)
    return runBatch(variant === 'peak' ? peak : steady)
  },
  rows(samples: Samples, ctx: VariantContext): Row[] {
    const r = rowsOf(samples, 'batch-memory', 'MB')
    const { peak, steady } = sizes(ctx.quick)
    const n = (jobs: number) => `${(jobs / 1e6).toLocaleString('en')}M`
    return [
      r({ label: `peak RSS, ${n(peak)}-job batch`, corelane: ['peak', 'peakMb'], target: { atMost: 400 } }),
      r({ label: `steady RSS, ${n(steady)}-job batch`, corelane: ['steady', 'steadyMb'], target: { atMost: 300 } }),
      r({
        label: `jobs/s, ${n(peak)}-job batch`,
        unit: 'jobs/s',
        corelane: ['peak', 'jobsPerSec'],
        target: { reported: 'reported' },
      }),
      r({
        label: `jobs/s, ${n(steady)}-job batch`,
        unit: 'jobs/s',
        corelane: ['steady', 'jobsPerSec'],
        target: { reported: 'reported' },
      }),
    ]
  },
}
