// Batches with their counts, throughput and ETA, newest first. Announces a batch when it
// ends, with its wall time: the number the concurrency lessons are about.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { BatchView } from '../../../shared/job.ts'
import { formatDuration } from '../lib/format.ts'
import { useNoticesStore } from './notices.ts'

export const useBatchesStore = defineStore('batches', () => {
  const list = shallowRef<BatchView[]>([])
  const newestFirst = computed(() => [...list.value].sort((a, b) => b.id - a.id))

  /** `announce` is off for snapshots: batches that ended while we were away are not news. */
  function set(batches: BatchView[], announce = true): void {
    if (announce) {
      const before = new Map(list.value.map((b) => [b.id, b]))
      for (const batch of batches) {
        const prev = before.get(batch.id)
        if (prev && prev.endedAt === null && batch.endedAt !== null) {
          const failed = batch.counts.failed + batch.counts['timed-out'] + batch.counts.interrupted
          useNoticesStore().push({
            level: failed ? 'error' : 'success',
            title: `${batch.name} finished in ${formatDuration(batch.endedAt - batch.createdAt)}`,
            message: `${batch.counts.succeeded} succeeded${failed ? `, ${failed} failed` : ''}${batch.counts.cancelled ? `, ${batch.counts.cancelled} cancelled` : ''}`,
          })
        }
      }
    }
    list.value = batches
  }

  return { list, newestFirst, set }
})
