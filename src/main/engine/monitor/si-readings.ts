// systeminformation's outputs turned into the monitor's shapes (src/shared/monitor.ts), with
// every "the OS did not say" (zeros, -1, empty lists, missing fields) turned into null so the
// window can say "not available here" instead of drawing zeros. Pure functions: the tests feed
// them recorded outputs of other machines (tests/engine/monitor/recorded-si.ts).
import type { Systeminformation } from 'systeminformation'
import type { CoreType, GpuInfo, HardwareSample, ProcessInfo, ProcessesSample, Topology } from '../../../shared/monitor.ts'

const positive = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null

/** cpuCurrentSpeed() reports GHz, 0 where unknown (virtual machines): MHz per core, or null. */
export function toFrequencies(speed: Systeminformation.CpuCurrentSpeedData, logical: number): (number | null)[] | null {
  const cores = speed.cores.length === logical ? speed.cores : []
  const mhz = cores.map((ghz) => (positive(ghz) === null ? null : Math.round(ghz * 1000)))
  return mhz.some((v) => v !== null) ? mhz : null
}

/** cpuTemperature() reports null or -1 where there are no sensors. */
export function toTemperatures(
  t: Systeminformation.CpuTemperatureData,
): Pick<HardwareSample, 'temperatureC' | 'coreTemperaturesC'> {
  const cores = (t.cores ?? []).map((c) => positive(c))
  return {
    temperatureC: positive(t.main) ?? positive(t.max),
    coreTemperaturesC: cores.some((c) => c !== null) ? cores : null,
  }
}

const MIB = 1024 * 1024

/**
 * graphics() controllers; only those that report a live reading (utilization, memory in use,
 * temperature: nvidia-smi and the like) are kept. An integrated or virtual display adapter
 * lists its model and at most its VRAM size: nothing to monitor, so it is left out.
 */
export function toGpus(g: Systeminformation.GraphicsData): GpuInfo[] | null {
  const gpus = g.controllers
    .map<GpuInfo>((c) => ({
      model: c.name || c.model || 'GPU',
      vendor: c.vendor || '',
      utilizationPercent: typeof c.utilizationGpu === 'number' && c.utilizationGpu >= 0 ? c.utilizationGpu : null,
      memUsedBytes: typeof c.memoryUsed === 'number' && c.memoryUsed >= 0 ? c.memoryUsed * MIB : null,
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
export function toTopology(
  cpu: Systeminformation.CpuData,
  logical: number,
  sysfs: { siblings: (number[] | null)[]; performanceList: number[] | null; efficiencyList: number[] | null } | null,
): Topology {
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
  const eCores = cpu.efficiencyCores ?? 0
  const hybrid = coreTypes !== null || eCores > 0
  return {
    model: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ') || 'CPU',
    logical,
    physical: siblings.length,
    siblings,
    coreTypes,
    performanceCores: hybrid ? (cpu.performanceCores ?? null) : null,
    efficiencyCores: hybrid ? eCores : null,
  }
}

/** Parses a sysfs CPU list ("0-3,8,10-11"). */
export function parseCpuList(text: string): number[] {
  const out: number[] = []
  for (const part of text.trim().split(',')) {
    if (!part) continue
    const [a, b] = part.split('-').map(Number)
    if (!Number.isInteger(a)) continue
    for (let i = a!; i <= (Number.isInteger(b) ? b! : a!); i++) out.push(i)
  }
  return out
}

/** processes() where /proc is not there to read: no cores, no thread counts per core. */
export function toProcesses(data: Systeminformation.ProcessesData, top: number, hostPid: number, cores: number): ProcessesSample {
  const parents = new Map(data.list.map((p) => [p.pid, p.parentPid]))
  const role = (pid: number): ProcessInfo['corelane'] => {
    if (pid === hostPid) return 'host'
    let at = parents.get(pid)
    for (let depth = 0; at !== undefined && at > 1 && depth < 32; depth++) {
      if (at === hostPid) return 'worker'
      at = parents.get(at)
    }
    return null
  }
  const list = [...data.list]
    .sort((a, b) => b.cpu - a.cpu || b.memRss - a.memRss)
    .slice(0, top)
    .map<ProcessInfo>((p) => ({
      pid: p.pid,
      name: p.name,
      user: p.user,
      // systeminformation gives a share of the whole machine; htop's convention is per core.
      cpuPercent: Math.round(p.cpu * cores * 10) / 10,
      memBytes: p.memRss * 1024,
      core: null,
      cores: [],
      threads: 0,
      corelane: role(p.pid),
    }))
  return { at: Date.now(), list, total: data.all, source: 'systeminformation' }
}
