// What the monitor reports about the machine around the jobs, beyond per-core load: the
// processes competing for the cores, the hardware readings the OS gives (frequency,
// temperature, GPU) and the topology (SMT siblings, performance vs efficiency cores).
// Pure types and small helpers; `null` always means "not available here", never zero.

/** One process, as in htop: CPU is a percentage of ONE core (a busy 4-thread process reads 400). */
export interface ProcessInfo {
  pid: number
  /** The program's name (the executable's base name where readable, else the kernel's 15-character comm). */
  name: string
  user: string
  cpuPercent: number
  /** Resident memory, bytes. */
  memBytes: number
  /** The core its main thread last ran on (Linux), or null. */
  core: number | null
  /**
   * Where its threads used CPU since the previous sample: each busy thread's share, counted on the
   * core it last ran on (Linux; the top processes only). Percent of one core per entry.
   */
  cores: { core: number; cpuPercent: number }[]
  threads: number
  /** Its parent process (0 when unknown). */
  ppid: number
  /**
   * Corelane's own: 'host' runs the engine; 'worker' is one of the engine's worker processes (or
   * a job's program started by one); 'child' is any other process the host started (a browser a
   * test drives, a lab's Python). The sampler knows the host and its descendants; the API host,
   * which knows the engine's workers, tells workers apart (markWorkers).
   */
  corelane: 'host' | 'worker' | 'child' | null
  /**
   * For Corelane's 'child' processes: the host's own child it descends from. A shell job's
   * program is started by a small shell server inside its worker process, so its parent is that
   * server, not the worker: this is how it is still known as the worker's.
   */
  via?: number
}

export interface ProcessesSample {
  at: number
  /** The top processes by CPU, busiest first. */
  list: ProcessInfo[]
  /** How many processes the machine runs in all. */
  total: number
  /** Where they came from: `/proc` read directly (Linux) or systeminformation.processes(). */
  source: 'proc' | 'systeminformation'
}

export interface GpuInfo {
  model: string
  vendor: string
  utilizationPercent: number | null
  memUsedBytes: number | null
  memTotalBytes: number | null
  temperatureC: number | null
  powerW: number | null
}

/** Readings that change: each field null where this machine does not report it. */
export interface HardwareSample {
  at: number
  /** MHz per logical core. */
  frequenciesMhz: (number | null)[] | null
  /** The package (or hottest) temperature, °C. */
  temperatureC: number | null
  /** °C per physical core, where the sensors name them. */
  coreTemperaturesC: (number | null)[] | null
  /** The GPUs found; null when none (or none that reports anything). */
  gpus: GpuInfo[] | null
}

export type CoreType = 'performance' | 'efficiency'

/** The machine's shape: fixed while it runs. */
export interface Topology {
  model: string
  logical: number
  physical: number
  /** Logical cores grouped by physical core (SMT siblings together), in physical-core order. */
  siblings: number[][]
  /** Performance or efficiency per logical core; null when the CPU has one kind (or the OS does not say). */
  coreTypes: CoreType[] | null
  performanceCores: number | null
  efficiencyCores: number | null
}

/** Marks the engine's worker processes, and the programs they started, as workers. */
export function markWorkers(sample: ProcessesSample, workerPids: ReadonlySet<number>): ProcessesSample {
  if (!workerPids.size) return sample
  const list = sample.list.map((p) =>
    p.corelane === 'child' && (workerPids.has(p.pid) || workerPids.has(p.ppid) || (p.via !== undefined && workerPids.has(p.via)))
      ? { ...p, corelane: 'worker' as const }
      : p,
  )
  return { ...sample, list }
}

/** From this many logical cores on, the per-core meters become a heatmap grid. */
export const HEATMAP_FROM_CORES = 32

/** Average frequency of the given cores over a time window, as a job's details show it. */
export interface CoreFrequencyReport {
  from: number
  to: number
  /** Per requested core: the mean MHz over the window's samples, or null where unknown. */
  cores: { core: number; meanMhz: number | null; minMhz: number | null; maxMhz: number | null }[]
  /** Samples the window held (0: none kept that far back, or the machine gives no frequencies). */
  samples: number
  /** A sentence when nothing is known: "frequencies are not available here" or "no samples kept that far back". */
  note: string | null
}

/** Formats MHz the way Task Manager does: "3.42 GHz", "800 MHz", or "not available here". */
export function formatMhz(mhz: number | null | undefined): string {
  if (mhz == null || !Number.isFinite(mhz) || mhz <= 0) return 'not available here'
  return mhz >= 1000 ? `${(mhz / 1000).toFixed(2)} GHz` : `${Math.round(mhz)} MHz`
}

/** The busiest `count` cores of a sample (index order kept), for charts of many cores. */
export function busiestCores(loads: readonly number[], count: number): number[] {
  return loads
    .map((load, core) => ({ load, core }))
    .sort((a, b) => b.load - a.load || a.core - b.core)
    .slice(0, count)
    .map((c) => c.core)
    .sort((a, b) => a - b)
}
