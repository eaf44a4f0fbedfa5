// Batches with their counts, throughput and ETA, newest first. Announces a batch when it
// ends, with its wall time: the number the concurrency lessons are about. Cancels a batch, or
// retries its failed jobs, through the engine's per-job commands (ids listed by batch); pauses
// and resumes one batch with setBatchPaused.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { BatchView, JobState } from '../../../shared/job.ts'
import { call } from '../api/api.ts'
import { runCommand } from '../api/run-command.ts'
import { countOf, formatCount, formatDuration } from '../lib/format.ts'
import { useNoticesStore } from './notices.ts'

/** States a batch cancel reaches, and those "retry failed" retries. */
const CANCELLABLE: readonly JobState[] = ['queued', 'running', 'retrying']
const FAILED: readonly JobState[] = ['failed', 'timed-out', 'interrupted']
/** The contract's page limit for listJobs. */
const LIST_LIMIT = 100_000

/** "3 succeeded, 1 timed out, 2 cancelled": every state a batch ended with, in words. */
export function endingSummary(counts: BatchView['counts']): string {
  const parts: string[] = [`${formatCount(counts.succeeded)} succeeded`]
  const words: [JobState, string][] = [
    ['failed', 'failed'],
    ['timed-out', 'timed out'],
    ['interrupted', 'interrupted'],
    ['cancelled', 'cancelled'],
  ]
  for (const [state, word] of words) if (counts[state]) parts.push(`${formatCount(counts[state])} ${word}`)
  return parts.join(', ')
}

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
            message: endingSummary(batch.counts),
          })
        }
      }
    }
    list.value = batches
  }

  /** Ids of the batch's jobs in `states`, as the engine holds them now. */
  async function idsIn(batchId: number, states: readonly JobState[]): Promise<number[]> {
    const ids: number[] = []
    for (const state of states) {
      // Page by page: a batch can hold more jobs in one state than one page lists.
      for (let offset = 0; ; offset += LIST_LIMIT) {
        const page = await call('listJobs', { batchId, state, offset, limit: LIST_LIMIT })
        for (const job of page.jobs) ids.push(job.id)
        if (page.jobs.length < LIST_LIMIT || offset + LIST_LIMIT >= page.total) break
      }
    }
    return ids
  }

  /** Busy batches (an action in flight), so their buttons wait. */
  const busy = shallowRef<ReadonlySet<number>>(new Set())
  async function withBusy(batchId: number, work: () => Promise<unknown>): Promise<void> {
    if (busy.value.has(batchId)) return
    busy.value = new Set([...busy.value, batchId])
    try {
      await work()
    } finally {
      const next = new Set(busy.value)
      next.delete(batchId)
      busy.value = next
    }
  }

  function cancelBatch(batch: BatchView): Promise<void> {
    return withBusy(batch.id, () =>
      runCommand(
        `Could not cancel ${batch.name}`,
        async () => {
          const ids = await idsIn(batch.id, CANCELLABLE)
          return ids.length ? (await call('cancel', { ids })).cancelled : 0
        },
        (cancelled) => ({ level: 'info', title: `${batch.name}: cancelled ${countOf(cancelled, 'job')}`, message: '' }),
      ),
    )
  }

  function retryFailed(batch: BatchView): Promise<void> {
    return withBusy(batch.id, () =>
      runCommand(
        `Could not retry ${batch.name}`,
        async () => {
          const ids = await idsIn(batch.id, FAILED)
          return ids.length ? (await call('retry', { ids })).retried : 0
        },
        (retried) => ({ level: 'info', title: `${batch.name}: retrying ${countOf(retried, 'failed job')}`, message: '' }),
      ),
    )
  }

  /** Pauses or resumes one batch; its line shows the engine's answer at once (the batches event follows). */
  function setPaused(batch: BatchView, paused: boolean): Promise<void> {
    return withBusy(batch.id, () =>
      runCommand(
        `Could not ${paused ? 'pause' : 'resume'} ${batch.name}`,
        async () => {
          const view = await call('setBatchPaused', { batchId: batch.id, paused })
          list.value = list.value.map((b) => (b.id === view.id ? view : b))
          return view
        },
        // The button and the line say it; a toast would only repeat them.
        () => null,
      ),
    )
  }

  return { list, newestFirst, busy, set, cancelBatch, retryFailed, setPaused }
})
