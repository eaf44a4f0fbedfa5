// Where the sampler's readings come from: this machine (systeminformation, /proc and sysfs),
// or a recording of another machine's systeminformation outputs (a JSON file in the
// RecordedMachine shape), replayed so that the window, the CLI and the tests can show a
// 16-core laptop with sensors or a 128-core server on this 2-core virtual machine. The
// recording is the monitor's outer edge: everything after it (conversion, cadence,
// messages, the views) runs as it does live. Used inside the sampler thread only.
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import si from 'systeminformation'
import type { Systeminformation } from 'systeminformation'
import type { ProcessesSample } from '../../../shared/monitor.ts'
import type { SysfsTopology } from '../../../shared/monitor-readings.ts'
import { ProcProcessReader } from './proc-processes.ts'
import { parseCpuList, toProcesses } from './si-readings.ts'

/**
 * A machine's systeminformation outputs (and its sysfs topology), as recorded once. `source`
 * says, per function, which fields were captured on the real machine (with the public
 * address) and which were filled in, and why (tests/engine/monitor/recorded/README.md).
 */
export interface RecordedMachine {
  note: string
  source: Record<string, unknown>
  cpu: Systeminformation.CpuData
  currentLoad: Systeminformation.CurrentLoadData
  mem: Systeminformation.MemData
  cpuCurrentSpeed: Systeminformation.CpuCurrentSpeedData
  cpuTemperature: Systeminformation.CpuTemperatureData
  graphics: Systeminformation.GraphicsData
  processes: Systeminformation.ProcessesData
  sysfs: SysfsTopology | null
}

export interface MonitorSource {
  logical(): number
  load(): Promise<Systeminformation.CurrentLoadData>
  mem(): Promise<Systeminformation.MemData>
  speed(): Promise<Systeminformation.CpuCurrentSpeedData>
  temperature(): Promise<Systeminformation.CpuTemperatureData>
  graphics(): Promise<Systeminformation.GraphicsData>
  cpu(): Promise<Systeminformation.CpuData>
  sysfs(): SysfsTopology | null
  processes(): Promise<ProcessesSample>
}

const TOP_PROCESSES = 25

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** Linux sysfs: SMT siblings of each logical core, and a hybrid CPU's P- and E-core lists. */
function readSysfs(logical: number): SysfsTopology | null {
  if (process.platform !== 'linux') return null
  const siblings = Array.from({ length: logical }, (_, i) => {
    const text = readText(`/sys/devices/system/cpu/cpu${i}/topology/thread_siblings_list`)
    return text ? parseCpuList(text) : null
  })
  const list = (path: string) => {
    const text = readText(path)
    return text ? parseCpuList(text) : null
  }
  return {
    siblings,
    performanceList: list('/sys/devices/cpu_core/cpus'),
    efficiencyList: list('/sys/devices/cpu_atom/cpus'),
  }
}

export function liveSource(options: { processSource?: 'proc' | 'systeminformation'; hostPid: number }): MonitorSource {
  const logical = cpus().length
  const useProc = (options.processSource ?? (process.platform === 'linux' ? 'proc' : 'systeminformation')) === 'proc'
  const reader = useProc ? new ProcProcessReader({ top: TOP_PROCESSES, hostPid: options.hostPid }) : null
  return {
    logical: () => logical,
    load: () => si.currentLoad(),
    mem: () => si.mem(),
    speed: () => si.cpuCurrentSpeed(),
    temperature: () => si.cpuTemperature(),
    graphics: () => si.graphics(),
    cpu: () => si.cpu(),
    sysfs: () => readSysfs(logical),
    processes: async () =>
      reader ? reader.sample() : toProcesses(await si.processes(), TOP_PROCESSES, options.hostPid, logical),
  }
}

/** A small deterministic wobble, so a replayed machine's meters move like a live one's. */
function wobble(base: number, core: number, tick: number): number {
  const swing = 7 * Math.sin(tick * 0.7 + core * 1.3) + 4 * Math.sin(tick * 0.23 + core * 0.41)
  return Math.min(100, Math.max(0, base + swing))
}

export function recordedSource(file: string): MonitorSource {
  const machine = JSON.parse(readFileSync(file, 'utf8')) as RecordedMachine
  let tick = 0
  const logical = machine.currentLoad.cpus.length
  return {
    logical: () => logical,
    load: async () => {
      tick++
      const cpus = machine.currentLoad.cpus.map((c, i) => ({ ...c, load: wobble(c.load, i, tick) }))
      const total = cpus.reduce((sum, c) => sum + c.load, 0) / Math.max(1, cpus.length)
      return { ...machine.currentLoad, cpus, currentLoad: total }
    },
    mem: async () => machine.mem,
    speed: async () => ({
      ...machine.cpuCurrentSpeed,
      // Frequencies follow the load a little, as boost clocks do.
      cores: machine.cpuCurrentSpeed.cores.map((ghz, i) =>
        ghz > 0 ? Math.round((ghz - 0.2 + 0.004 * wobble(50, i, tick)) * 100) / 100 : ghz,
      ),
    }),
    temperature: async () => machine.cpuTemperature,
    graphics: async () => machine.graphics,
    cpu: async () => machine.cpu,
    sysfs: () => machine.sysfs,
    processes: async () => toProcesses(machine.processes, TOP_PROCESSES, -1, logical),
  }
}
