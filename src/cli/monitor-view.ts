// What `corelane monitor` prints for one sample: a compact per-core view for a terminal (bars
// up to HEATMAP_FROM_CORES cores, a heatmap of shade characters beyond, readable to 256), and
// the one-line JSON form. Pure functions of the sample, the newest process list and readings,
// and the topology, so the tests can check both forms.
import type { MonitorSample } from '../shared/contract.ts'
import {
  HEATMAP_FROM_CORES,
  formatMhz,
  type GpuInfo,
  type HardwareSample,
  type ProcessesSample,
  type Topology,
} from '../shared/monitor.ts'

export interface MonitorView {
  sample: MonitorSample
  processes: ProcessesSample | null
  hardware: HardwareSample | null
  topology: Topology | null
}

const NA = 'not available here'
const GIB = 2 ** 30
const gib = (bytes: number) => (bytes / GIB).toFixed(1)
const pct = (n: number) => `${Math.round(n)}%`.padStart(4)

function bar(percent: number, width: number): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width)
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
}

/** Logical core → temperature of its physical core, when the sensors name one per physical core. */
function coreTemperature(view: MonitorView, core: number): number | null {
  const temps = view.hardware?.coreTemperaturesC
  const siblings = view.topology?.siblings
  if (!temps || !siblings) return null
  const physical = siblings.findIndex((group) => group.includes(core))
  return physical >= 0 ? (temps[physical] ?? null) : null
}

/** One JSON line: per-core load, frequency and temperature where known, memory, readings, top processes. */
export function jsonLine(view: MonitorView, top = 10): string {
  const { sample, hardware, processes } = view
  return JSON.stringify({
    at: new Date(sample.at).toISOString(),
    total: sample.total,
    cores: sample.cores.map((load, core) => ({
      core,
      load,
      mhz: hardware?.frequenciesMhz?.[core] ?? null,
      temperatureC: coreTemperature(view, core),
    })),
    memory: { used: sample.memUsed, total: sample.memTotal },
    temperatureC: hardware?.temperatureC ?? null,
    gpus: hardware?.gpus ?? null,
    processes:
      processes?.list.slice(0, top).map((p) => ({
        pid: p.pid,
        name: p.name,
        user: p.user,
        cpuPercent: p.cpuPercent,
        memBytes: p.memBytes,
        core: p.core,
        threads: p.threads,
        corelane: p.corelane,
      })) ?? null,
  })
}

/** A GPU's readings in a few words; one it does not report is said so (nvidia-smi on some drivers gives no utilization). */
function gpuText(g: GpuInfo): string {
  const utilization = g.utilizationPercent === null ? `utilization ${NA}` : `${g.utilizationPercent}%`
  const temperature = g.temperatureC === null ? null : `${g.temperatureC} °C`
  const power = g.powerW === null ? null : `${g.powerW.toFixed(1)} W`
  return [g.model, utilization, temperature, power].filter(Boolean).join(' ')
}

/** Idle shows as a dot, not a blank, so a row of idle cores keeps its width. */
const SHADES = '·░▒▓█'

/** The terminal view, as lines. `columns`: the terminal's width. */
export function textLines(view: MonitorView, columns = 100, top = 5): string[] {
  const { sample, hardware, processes, topology } = view
  const lines: string[] = []
  const model = topology ? `${topology.model}, ${topology.logical} logical / ${topology.physical} physical cores` : ''
  lines.push(
    `CPU ${pct(sample.total)} ${bar(sample.total, 20)}   memory ${gib(sample.memUsed)} / ${gib(sample.memTotal)} GiB   ${model}`,
  )
  const n = sample.cores.length
  if (n >= HEATMAP_FROM_CORES) {
    // Heatmap: one shade per core, 32 to a row, row labels are the first core of the row.
    const perRow = Math.max(16, Math.min(64, Math.floor((columns - 6) / 32) * 32 || 32))
    for (let from = 0; from < n; from += perRow) {
      const cells = sample.cores.slice(from, from + perRow).map((load) => SHADES[Math.min(4, Math.ceil(load / 25))])
      lines.push(`${String(from).padStart(4)} ${cells.join('')}`)
    }
    lines.push(`     shade: · idle ░ <25% ▒ <50% ▓ <75% █ busier`)
  } else {
    const cell = 26
    const perRow = Math.max(1, Math.floor(columns / cell))
    for (let from = 0; from < n; from += perRow) {
      const cells = sample.cores.slice(from, from + perRow).map((load, i) => {
        const mhz = hardware?.frequenciesMhz?.[from + i]
        return `${String(from + i).padStart(3)} ${bar(load, 10)}${pct(load)}${mhz ? ` ${(mhz / 1000).toFixed(1)}G` : ''}`
      })
      lines.push(cells.join('  '))
    }
  }
  const freq = hardware?.frequenciesMhz?.filter((m): m is number => m !== null)
  const avg = freq?.length ? formatMhz(freq.reduce((s, m) => s + m, 0) / freq.length) : NA
  const temp = hardware?.temperatureC != null ? `${hardware.temperatureC.toFixed(0)} °C` : NA
  const gpu = hardware?.gpus?.length ? hardware.gpus.map(gpuText).join(', ') : NA
  lines.push(`frequency: ${hardware ? avg : '…'}   temperature: ${hardware ? temp : '…'}   GPU: ${hardware ? gpu : '…'}`)
  if (processes) {
    for (const p of processes.list.slice(0, top)) {
      const mark = p.corelane ? ` [corelane ${p.corelane}]` : ''
      const core = p.core === null ? '' : ` core ${p.core}`
      lines.push(
        `  ${String(p.pid).padStart(7)} ${p.name.slice(0, 24).padEnd(24)} ${`${p.cpuPercent.toFixed(1)}%`.padStart(7)} ${gib(p.memBytes).padStart(6)} GiB${core}${mark}`,
      )
    }
  } else lines.push('  (processes: waiting for the first list)')
  return lines
}
