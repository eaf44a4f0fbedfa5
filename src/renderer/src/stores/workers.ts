// The engine's workers (threads and processes) as last reported: the list replaces itself on
// every `workers` event, with lookups by worker id for the job table's worker/core columns.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { WorkerView } from '../../../shared/job.ts'

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

  function set(workers: WorkerView[]): void {
    list.value = workers
  }

  function get(id: number | null): WorkerView | undefined {
    return id === null ? undefined : byId.value.get(id)
  }

  return { list, sorted, busyByCore, set, get }
})
