// Hardware readings as systeminformation reports them, turned into the monitor's shapes
// (monitor.ts), with every "the OS did not say" (zeros, -1, empty lists, missing fields) turned
// into null so the views can say "not available here" instead of drawing zeros. Pure: the
// inputs are declared here as the subset of systeminformation's output fields they read, so
// the sampler passes the library's outputs and the tests pass recorded ones (engine and
// renderer alike).
import type { CoreType, GpuInfo, HardwareSample, Topology } from './monitor.ts'

/** systeminformation's cpuCurrentSpeed(): GHz, 0 where unknown. */
export interface SpeedReading {
  cores: number[]
}
/** cpuTemperature(): °C, null or -1 where there are no sensors. */
export interface TemperatureReading {
  main: number | null
  cores?: (number | null)[]
  max: number | null
}
/** graphics(): the controllers' readings (nvidia-smi and the like fill the live ones). */
export interface GraphicsReading {
  controllers: {
    vendor: string
    model: string
    name?: string
    vram: number | null
    memoryTotal?: number
    memoryUsed?: number
    memoryFree?: number
    utilizationGpu?: number
    temperatureGpu?: number
    powerDraw?: number
  }[]
}
/** cpu(): the parts the topology needs. */
export interface CpuReading {
  manufacturer: string
  brand: string
  physicalCores: number
  performanceCores?: number
  efficiencyCores?: number
}
/** Linux sysfs: each logical core's SMT siblings, and a hybrid CPU's P- and E-core lists. */
export interface SysfsTopology {
  siblings: (number[] | null)[]
  performanceList: number[] | null
  efficiencyList: number[] | null
}

const positive = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null

/** cpuCurrentSpeed() reports GHz, 0 where unknown (virtual machines): MHz per core, or null. */
export function toFrequencies(speed: SpeedReading, logical: number): (number | null)[] | null {
  const cores = speed.cores.length === logical ? speed.cores : []
  const mhz = cores.map((ghz) => (positive(ghz) === null ? null : Math.round(ghz * 1000)))
  return mhz.some((v) => v !== null) ? mhz : null
}

/** cpuTemperature() reports null or -1 where there are no sensors. */
export function toTemperatures(t: TemperatureReading): Pick<HardwareSample, 'temperatureC' | 'coreTemperaturesC'> {
  const cores = (t.cores ?? []).map((c) => positive(c))
  return {
    temperatureC: positive(t.main) ?? positive(t.max),
    coreTemperaturesC: cores.some((c) => c !== null) ? cores : null,
  }
}

const MIB = 1024 * 1024
const mib = (value: number | null): number | null => (value === null ? null : value * MIB)

/**
 * MiB in use. nvidia-smi on some Windows drivers gives the total and the free memory but no
 * "used" (a real laptop's graphics() output: tests/engine/monitor/recorded/README.md), so the
 * difference stands in for it.
 */
function gpuMemUsed(c: GraphicsReading['controllers'][number]): number | null {
  if (typeof c.memoryUsed === 'number' && c.memoryUsed >= 0) return c.memoryUsed
  if (typeof c.memoryTotal === 'number' && typeof c.memoryFree === 'number' && c.memoryFree >= 0 && c.memoryTotal >= c.memoryFree)
    return c.memoryTotal - c.memoryFree
  return null
}

/**
 * graphics() controllers; only those that report a live reading (utilization, memory in use,
 * temperature: nvidia-smi and the like) are kept. An integrated or virtual display adapter
 * lists its model and at most its VRAM size: nothing to monitor, so it is left out.
 */
export function toGpus(g: GraphicsReading): GpuInfo[] | null {
  const gpus = g.controllers
    .map<GpuInfo>((c) => ({
      model: c.name || c.model || 'GPU',
      vendor: c.vendor || '',
      utilizationPercent: typeof c.utilizationGpu === 'number' && c.utilizationGpu >= 0 ? c.utilizationGpu : null,
      memUsedBytes: mib(gpuMemUsed(c)),
      memTotalBytes: positive(c.memoryTotal ?? c.vram) === null ? null : (c.memoryTotal ?? c.vram)! * MIB,
      temperatureC: positive(c.temperatureGpu),
      powerW: positive(c.powerDraw),
    }))
    .filter((gpu) => gpu.utilizationPercent !== null || gpu.memUsedBytes !== null || gpu.temperatureC !== null)
  return gpus.length ? gpus : null
}

/**
 * The topology from cpu() plus, on Linux, sysfs: `thread_siblings_list` per logical core
 * (which logical cores share a physical one) and the hybrid CPU's core lists (Intel:
 * /sys/devices/cpu_core/cpus and cpu_atom/cpus). Without sysfs, cores are paired by the
 * SMT ratio cpu() reports, in order.
 */
export function toTopology(cpu: CpuReading, logical: number, sysfs: SysfsTopology | null): Topology {
  let siblings: number[][]
  const known = sysfs?.siblings.length === logical && sysfs.siblings.every((s) => s && s.length)
  if (known) {
    const seen = new Map<string, number[]>()
    for (const group of sysfs.siblings as number[][]) seen.set(group.join(','), group)
    siblings = [...seen.values()].sort((a, b) => a[0]! - b[0]!)
  } else {
    const physical = Math.max(1, Math.min(logical, cpu.physicalCores || logical))
    const per = Math.max(1, Math.round(logical / physical))
    siblings = []
    for (let i = 0; i < logical; i += per) siblings.push(Array.from({ length: Math.min(per, logical - i) }, (_, k) => i + k))
  }
  let coreTypes: CoreType[] | null = null
  if (sysfs?.performanceList?.length && sysfs.efficiencyList?.length) {
    const efficiency = new Set(sysfs.efficiencyList)
    coreTypes = Array.from({ length: logical }, (_, i) => (efficiency.has(i) ? 'efficiency' : 'performance'))
  }
  // Older systeminformation versions and Windows give no P/E counts in cpu(); where sysfs
  // lists the core types, the physical cores of each type are counted from it.
  const countOf = (type: CoreType) => (coreTypes ? siblings.filter((group) => coreTypes![group[0]!] === type).length : null)
  const eCores = cpu.efficiencyCores || countOf('efficiency') || 0
  const hybrid = coreTypes !== null || eCores > 0
  return {
    model: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ') || 'CPU',
    logical,
    physical: siblings.length,
    siblings,
    coreTypes,
    performanceCores: hybrid ? (cpu.performanceCores ?? countOf('performance')) : null,
    efficiencyCores: hybrid ? eCores : null,
  }
}
