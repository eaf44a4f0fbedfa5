// How busy the rest of the machine was while a variant ran: system-wide CPU from /proc/stat,
// minus the CPU of the variant's own process tree (its utime + stime + reaped children's
// cutime + cstime from /proc/<pid>/stat). Benches on a shared machine are only honest if they
// say when something else was competing for the cores. Linux only; null elsewhere.
import { readFileSync } from 'node:fs'

export interface CpuSnapshot {
  busy: number
  total: number
}

export function systemCpu(): CpuSnapshot | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
    const f = line.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest is already inside user)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
    const idle = f[3]! + f[4]!
    return { busy: total - idle, total }
  } catch {
    return null
  }
}

/** The fields of /proc/<pid>/stat from field 3 on (after the command name, which may hold spaces). */
function procStatFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** Ticks of CPU used by a process and the children it has reaped. */
export function processTreeTicks(pid: number): number | null {
  try {
    const f = procStatFields(pid)
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
  } catch {
    return null
  }
}

/** Ticks of CPU used by the children this process has reaped (cutime + cstime). */
export function reapedChildTicks(): number {
  const f = procStatFields('self')
  return Number(f[13]) + Number(f[14])
}

/** Share of the whole machine (0..1) used by others between two snapshots. */
export function backgroundShare(before: CpuSnapshot | null, after: CpuSnapshot | null, ownTicks: number | null): number | null {
  if (!before || !after || ownTicks === null) return null
  const total = after.total - before.total
  if (total <= 0) return null
  return Math.max(0, Math.min(1, (after.busy - before.busy - ownTicks) / total))
}

/**
 * Waits (up to `maxMs`) for a window of `windowMs` in which other processes use less than
 * `quietShare` of the machine, so a variant does not start in the middle of someone else's
 * burst. Returns how long it waited and the last window's load (null without /proc).
 */
export async function waitForQuiet(
  maxMs: number,
  quietShare = 0.15,
  windowMs = 100,
): Promise<{ waitedMs: number; load: number | null }> {
  const start = performance.now()
  let load: number | null = null
  if (maxMs <= 0) return { waitedMs: 0, load }
  for (;;) {
    const before = systemCpu()
    await new Promise((resolve) => setTimeout(resolve, windowMs))
    load = backgroundShare(before, systemCpu(), 0)
    const waitedMs = performance.now() - start
    if (load === null || load < quietShare || waitedMs >= maxMs) return { waitedMs: Math.round(waitedMs), load }
  }
}
