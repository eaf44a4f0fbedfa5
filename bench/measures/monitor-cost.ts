// What the per-core monitor costs: Corelane's own monitor (startMonitor: a sampler thread
// calling systeminformation, which on Linux runs `cat /proc/stat | grep cpu` through a shell
// on every call) with its process list on, at 4 Hz and 1 Hz, the list read from /proc directly
// (what it uses on Linux) or from systeminformation.processes() (which spawns `ps`), and with
// the list and hardware readings off; the bare systeminformation.currentLoad() call, and
// reading /proc/stat directly, each in a worker thread; and what is left on the main thread
// (nothing, ideally).
import { setTimeout as sleep } from 'node:timers/promises'
import { reapedChildTicks } from '../lib/background.ts'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'
import type { SamplerInput, SamplerOutput } from '../lib/load-sampler.ts'

const HZ = 4
const durationMs = (quick: boolean) => (quick ? 750 : 2500)
/** The process list comes once a second: a window of several of them. */
const monitorMs = (quick: boolean) => (quick ? 3000 : 6000)

/** The monitor variants: rate, and where the process list comes from (none: processes and hardware off). */
const MONITORS: Record<string, { hz: number; processes: 'proc' | 'systeminformation' | null }> = {
  'corelane-monitor': { hz: 4, processes: 'proc' },
  'corelane-monitor-1hz': { hz: 1, processes: 'proc' },
  'monitor-si-processes': { hz: 4, processes: 'systeminformation' },
  'monitor-si-processes-1hz': { hz: 1, processes: 'systeminformation' },
  'monitor-load-only': { hz: 4, processes: null },
}

// Clock ticks; 100 per second on every Linux Node supports.
const reapedChildMs = (): number => reapedChildTicks() * 10

async function corelaneMonitor(windowMs: number, variant: string): Promise<Metrics> {
  const { startMonitor } = await import('../../src/main/engine/index.ts')
  const { hz, processes } = MONITORS[variant]!
  const monitor = startMonitor({
    hz,
    processes: processes !== null,
    hardware: processes !== null,
    processSource: processes ?? undefined,
  })
  try {
    let samples = 0
    let lists = 0
    let first!: () => void
    const firstSample = new Promise<void>((resolve) => (first = resolve))
    monitor.onSample((sample) => {
      samples++
      if (sample.processes) lists++
      first()
    })
    await firstSample
    samples = 0
    lists = 0
    const main0 = process.threadCpuUsage()
    const all0 = process.cpuUsage()
    const child0 = reapedChildMs()
    const t0 = performance.now()
    await sleep(windowMs)
    const wall = performance.now() - t0
    const main = process.threadCpuUsage(main0)
    const all = process.cpuUsage(all0)
    const mainMs = (main.user + main.system) / 1000
    const samplerMs = (all.user + all.system) / 1000 - mainMs
    const childMs = reapedChildMs() - child0
    return {
      threadCpuPercent: (samplerMs / wall) * 100,
      childCpuPercent: (childMs / wall) * 100,
      totalCpuPercent: ((samplerMs + childMs) / wall) * 100,
      mainThreadCpuPercent: (mainMs / wall) * 100,
      samplesPerSec: (samples / wall) * 1000,
      processListsPerSec: (lists / wall) * 1000,
    }
  } finally {
    await monitor.close()
  }
}

export const measure: Measure = {
  name: 'monitor-cost',
  title: 'Per-core monitor (with its process list) at 4 Hz and 1 Hz',
  how: (quick) =>
    `"Corelane monitor": the engine's startMonitor() in a fresh process, at 4 Hz and 1 Hz, with the top-processes ` +
    `list (once a second) read from /proc directly (its Linux default) or from systeminformation.processes(), plus ` +
    `frequency/temperature/GPU readings; and with both off (load and memory only). From its first sample, for ` +
    `${monitorMs(quick) / 1000} s: main-thread CPU (process.threadCpuUsage), sampler CPU = process.cpuUsage() − main ` +
    `thread (so V8 helper threads are included: an upper bound), spawned-shell CPU from /proc/self/stat cutime + cstime. ` +
    `Bench sampler: a worker thread samples per-core load ${HZ} times a second for ${durationMs(quick) / 1000} s (after one priming ` +
    `call): either systeminformation.currentLoad() or a direct readFileSync('/proc/stat') with the same delta ` +
    `arithmetic. CPU % of one core = that thread's process.threadCpuUsage() delta / wall time; spawned-process CPU = ` +
    `the growth of cutime + cstime in /proc/self/stat (clock-tick resolution); block time = wall time of each awaited ` +
    `call (its work is synchronous); these two run in every third round.`,
  variants: [...Object.keys(MONITORS), 'systeminformation', 'proc-stat'],
  context: ['monitor-si-processes-1hz', 'monitor-load-only', 'systeminformation', 'proc-stat'],
  unavailable: () => (process.platform === 'linux' ? null : 'reads /proc/stat: Linux only'),
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    if (variant in MONITORS) return corelaneMonitor(monitorMs(ctx.quick), variant)
    const { Worker } = await import('node:worker_threads')
    const { median } = await import('../lib/stats.ts')
    const input: SamplerInput = { source: variant as SamplerInput['source'], hz: HZ, durationMs: durationMs(ctx.quick) }
    const main0 = process.threadCpuUsage()
    const t0 = performance.now()
    const worker = new Worker(new URL('../lib/load-sampler.ts', import.meta.url), { workerData: input })
    const out = await new Promise<SamplerOutput>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    const mainWall = performance.now() - t0
    const main = process.threadCpuUsage(main0)
    await worker.terminate()
    return {
      threadCpuPercent: (out.threadCpuMs / out.wallMs) * 100,
      childCpuPercent: (out.childCpuMs / out.wallMs) * 100,
      totalCpuPercent: ((out.threadCpuMs + out.childCpuMs) / out.wallMs) * 100,
      blockMsMedian: median(out.blockMs),
      blockMsMax: Math.max(...out.blockMs),
      calls: out.calls,
      // Includes starting the worker and importing the sampler: an upper bound for the main thread's share.
      mainThreadCpuPercent: ((main.user + main.system) / 1000 / mainWall) * 100,
    }
  },
  rows(samples: Samples): Row[] {
    const r = rowsOf(samples, 'monitor-cost', '% core')
    const vs = (label: string, variant: string, metric: string, unit?: string) =>
      r({ label, unit, corelane: [variant, metric], peer: ['proc-stat', metric, 'read /proc/stat'], target: REPORTED })
    const processes = (label: string, variant: string, siVariant: string) =>
      r({
        label,
        corelane: [variant, 'totalCpuPercent'],
        peer: [siVariant, 'totalCpuPercent', 'processes from systeminformation'],
        target: { ratioAtMost: 1 },
        note: 'sampler thread + spawned processes; the list from /proc must cost no more than ps via systeminformation',
      })
    return [
      vs('Corelane monitor, processes on (4 Hz): sampler thread CPU', 'corelane-monitor', 'threadCpuPercent'),
      vs('Corelane monitor, processes on (4 Hz): incl. spawned shells', 'corelane-monitor', 'totalCpuPercent'),
      processes('processes from /proc vs systeminformation, 4 Hz (incl. shells)', 'corelane-monitor', 'monitor-si-processes'),
      processes(
        'processes from /proc vs systeminformation, 1 Hz (incl. shells)',
        'corelane-monitor-1hz',
        'monitor-si-processes-1hz',
      ),
      vs('Corelane monitor, processes on (1 Hz): incl. spawned shells', 'corelane-monitor-1hz', 'totalCpuPercent'),
      r({
        label: 'Corelane monitor, load and memory only (4 Hz): incl. spawned shells',
        corelane: ['monitor-load-only', 'totalCpuPercent'],
        target: REPORTED,
        note: 'what the process list and hardware readings add is the difference to the rows above',
      }),
      r({
        label: 'Corelane monitor: main thread CPU',
        corelane: ['corelane-monitor', 'mainThreadCpuPercent'],
        target: { atMost: 0.5 },
        note: 'the sampler must cost the main thread nothing; 0.5% of a core is the noise floor allowed',
      }),
      vs('bare si.currentLoad(): thread CPU', 'systeminformation', 'threadCpuPercent'),
      vs('bare si.currentLoad(): block per call (median)', 'systeminformation', 'blockMsMedian', 'ms'),
    ]
  },
}
