// The engine's workers (threads and processes) as last reported: the list replaces itself on
// every `workers` event, with lookups by worker id for the job table's worker/core columns.
// Also kills a worker on request, as a crash would: the demo of crash containment.
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { WorkerView } from '../../../shared/job.ts'
import { call } from '../api/api.ts'
import { runCommand } from '../api/run-command.ts'
import { JobPlacements } from '../lib/job-placement.ts'

export const useWorkersStore = defineStore('workers', () => {
  const list = shallowRef<WorkerView[]>([])
  const byId = computed(() => new Map(list.value.map((w) => [w.id, w])))
  /** CPU lane first, then by id: the order of rows in the panel and the task stream. */
  const sorted = computed(() => [...list.value].sort((a, b) => (a.lane === b.lane ? a.id - b.id : a.lane === 'cpu' ? -1 : 1)))
  /** Busy workers per core (Linux): which core each running job is on right now. */
  const busyByCore = computed(() => {
    const map = new Map<number, WorkerView[]>()
    for (const w of list.value) {
      if (w.state !== 'busy' || w.core === null) continue
      const bucket = map.get(w.core)
      if (bucket) bucket.push(w)
      else map.set(w.core, [w])
    }
    return map
  })

  /** Workers a kill was sent to and not answered yet. */
  const killing = ref<ReadonlySet<number>>(new Set())

  /** Where recent jobs ran (cores, pid/tid, CPU time), for the job details panel. */
  const placements = markRaw(new JobPlacements())
  /** Bumped when placements change: they are a plain object, not reactive. */
  const placementVersion = ref(0)

  function set(workers: WorkerView[]): void {
    list.value = workers
    placements.observe(workers)
    placementVersion.value++
  }

  async function kill(id: number): Promise<void> {
    if (killing.value.has(id)) return
    killing.value = new Set([...killing.value, id])
    try {
      await runCommand(
        `Could not kill worker ${id}`,
        () => call('killWorker', { id }),
        ({ killed }) =>
          killed
            ? { level: 'info', title: `Worker ${id} killed: its job fails or retries, others unaffected`, message: '' }
            : { level: 'info', title: `Worker ${id} was already gone`, message: 'It had stopped before the kill arrived.' },
      )
    } finally {
      const next = new Set(killing.value)
      next.delete(id)
      killing.value = next
    }
  }

  function get(id: number | null): WorkerView | undefined {
    return id === null ? undefined : byId.value.get(id)
  }

  return { list, sorted, busyByCore, killing, placements, placementVersion, set, get, kill }
})
