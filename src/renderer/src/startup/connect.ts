// Wires a CorelaneApi to the stores (start-up wiring, kept out of stores/ so no store imports
// the others): subscribe to every event stream (the lab's progress notes
// included), load the snapshot (and the saved settings, for the theme), and
// from then on apply events as they come. Events that arrive before the snapshot answer are
// dropped: the snapshot already includes them, and job views are always "latest", so nothing
// after it can be older than what it holds.
import type { CorelaneApi, Snapshot } from '../../../shared/contract.ts'
import { useBatchesStore } from '../stores/batches.ts'
import { useEngineStore } from '../stores/engine.ts'
import { useJobsStore } from '../stores/jobs.ts'
import { useKindsStore } from '../stores/kinds.ts'
import { useLabStore } from '../stores/lab.ts'
import { useMachinesStore } from '../stores/machines.ts'
import { useMonitorStore } from '../stores/monitor.ts'
import { useNoticesStore } from '../stores/notices.ts'
import { useSettingsStore } from '../stores/settings.ts'
import { useWorkersStore } from '../stores/workers.ts'

export function applySnapshot(snapshot: Snapshot): void {
  useEngineStore().set(snapshot.stats)
  useKindsStore().set(snapshot.kinds)
  useJobsStore().reset(snapshot.jobs, snapshot.jobsTotal)
  useWorkersStore().set(snapshot.workers)
  useBatchesStore().set(snapshot.batches, false)
  useMonitorStore().reset(snapshot.monitor)
}

/** Loads the snapshot and subscribes to events; resolves to an unsubscribe function. */
export async function connect(api: CorelaneApi): Promise<() => void> {
  const engine = useEngineStore()
  const jobs = useJobsStore()
  const workers = useWorkersStore()
  const batches = useBatchesStore()
  const monitor = useMonitorStore()
  const lab = useLabStore()
  const machines = useMachinesStore()
  let ready = false
  const offs = [
    api.on('jobs', (payload) => ready && jobs.apply(payload)),
    api.on('workers', (payload) => ready && workers.set(payload)),
    api.on('batches', (payload) => ready && batches.set(payload)),
    api.on('stats', (payload) => {
      if (!ready) return
      engine.set(payload)
      jobs.syncEngineTotal(Object.values(payload.counts).reduce((sum, n) => sum + n, 0))
    }),
    api.on('monitor', (payload) => ready && monitor.push(payload)),
    api.on('lab', (payload) => ready && lab.onNote(payload.note)),
    // Not gated on `ready`: a full disk matters even before the snapshot arrives.
    api.on('storage', (payload) => {
      const notices = useNoticesStore()
      if (payload.durable)
        notices.push({ level: 'success', title: 'The job database is written again', message: 'Every job record is saved.' })
      else {
        notices.push({
          level: 'error',
          title: 'The job database cannot be written',
          message: `${payload.error ?? 'writes fail'}: ${payload.pendingJobs} job records are kept in memory and retried until they are saved. Free some disk space.`,
        })
      }
    }),
    // Not in the snapshot: each message is the whole list, so it applies at once.
    api.on('machines', (payload) => machines.set(payload)),
    // The cluster of the settings: a Redis that cannot be reached is said at once (and when it
    // is reached again); a window opened on a linked host says nothing.
    api.on('cluster', (payload) => {
      const previous = machines.setLink(payload)
      const notices = useNoticesStore()
      if (payload.state === 'unreachable' && (previous?.state !== 'unreachable' || previous.error !== payload.error)) {
        notices.push({
          level: 'error',
          title: 'Cannot reach the cluster',
          message: `${payload.error ?? 'no answer'}. Jobs run on this machine only; Corelane tries again every few seconds.`,
        })
      } else if (payload.state === 'linked' && previous && previous.state !== 'linked') {
        notices.push({
          level: 'success',
          title: 'Linked to the cluster',
          message: `Jobs also run on its agents (${payload.url}).`,
        })
      }
    }),
  ]
  const off = () => offs.forEach((unsubscribe) => unsubscribe())
  try {
    applySnapshot(await api.call('snapshot', {}))
    ready = true
    // The saved theme (the browser's cached one is already on screen); not waited for.
    void useSettingsStore().load()
    return off
  } catch (err) {
    off()
    throw err
  }
}
