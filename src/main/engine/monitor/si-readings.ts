// systeminformation's process list turned into the monitor's shape (where /proc is not there
// to read), and the sysfs CPU-list parser. Pure functions. The hardware conversions are in
// src/shared/monitor-readings.ts (the renderer's tests use them too).
import type { Systeminformation } from 'systeminformation'
import type { ProcessInfo, ProcessesSample } from '../../../shared/monitor.ts'

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
      if (at === hostPid) return 'child'
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
      ppid: p.parentPid,
      corelane: role(p.pid),
    }))
  return { at: Date.now(), list, total: data.all, source: 'systeminformation' }
}
