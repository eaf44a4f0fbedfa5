// One row per logical core for the meters and the heatmap: its load, the CPU-lane jobs on it
// now, the I/O worker's thread if it last ran there, its SMT group and P/E type, and (when a
// process is focused) that process's share of it. Jobs on the I/O lane are waiting, not on a
// core: they show only as "the I/O thread is here, N jobs wait on it", never as one dot each.
import { computed, type ComputedRef } from 'vue'
import type { CoreType } from '../../../shared/monitor.ts'
import { loadLevel } from '../lib/palette.ts'
import { useJobsStore } from '../stores/jobs.ts'
import { useMonitorStore } from '../stores/monitor.ts'
import { useWorkersStore } from '../stores/workers.ts'

export interface CoreJob {
  id: number
  name: string
  kind: string
}

export interface CoreRow {
  core: number
  load: number
  level: string
  /** Jobs computing on this core now (CPU-lane workers whose thread last ran here). */
  running: CoreJob[]
  /** I/O workers whose event-loop thread last ran here, with how many jobs wait on each. */
  ioThreads: { workerId: number; waiting: number }[]
  /** Index of its physical core (SMT siblings share one). */
  physical: number
  /** First of its SMT group: the meters leave a gap before it. */
  groupStart: boolean
  type: CoreType | null
  /** The focused process's CPU on this core (percent of the core), or null when none is focused. */
  focusLoad: number | null
}

export function useCoreRows(): ComputedRef<CoreRow[]> {
  const monitor = useMonitorStore()
  const workers = useWorkersStore()
  const jobs = useJobsStore()
  return computed<CoreRow[]>(() => {
    const sample = monitor.latest
    if (!sample) return []
    void jobs.version
    const topology = monitor.topology
    const physicalOf = new Map<number, { index: number; first: boolean }>()
    topology?.siblings.forEach((group, index) => group.forEach((cpu, k) => physicalOf.set(cpu, { index, first: k === 0 })))
    const focus = monitor.focus
    const rows = sample.cores.map<CoreRow>((load, core) => {
      const running: CoreJob[] = []
      const ioThreads: CoreRow['ioThreads'] = []
      for (const worker of workers.busyByCore.get(core) ?? []) {
        if (worker.lane === 'io') {
          ioThreads.push({ workerId: worker.id, waiting: worker.running })
          continue
        }
        for (const id of worker.jobIds) {
          const job = jobs.get(id)
          running.push({ id, name: job?.name ?? `job ${id}`, kind: job?.kind ?? '' })
        }
      }
      const place = physicalOf.get(core)
      return {
        core,
        load,
        level: loadLevel(focus ? (focus.byCore.get(core) ?? 0) : load),
        running,
        ioThreads,
        physical: place?.index ?? core,
        groupStart: place?.first ?? true,
        type: topology?.coreTypes?.[core] ?? null,
        focusLoad: focus ? Math.min(100, focus.byCore.get(core) ?? 0) : null,
      }
    })
    // SMT siblings side by side (Linux numbers cpu0 and its sibling apart, e.g. 0 and 8).
    return topology ? rows.sort((a, b) => a.physical - b.physical || a.core - b.core) : rows
  })
}

export function coreTooltip(row: CoreRow): string {
  const lines = [`CPU ${row.core}: ${Math.round(row.load)}%${row.type ? ` (${row.type} core)` : ''}`]
  if (row.focusLoad !== null) lines.push(`focused process: ${Math.round(row.focusLoad)}%`)
  for (const job of row.running) lines.push(`#${job.id} ${job.name}`)
  for (const io of row.ioThreads)
    lines.push(`I/O worker ${io.workerId}'s thread (${io.waiting} job${io.waiting === 1 ? '' : 's'} waiting, on no core)`)
  return lines.join('\n')
}
