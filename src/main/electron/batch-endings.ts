// Which batches have just ended, from the `batches` event stream: the notification decides
// nothing else. Batches already ended when watching started are not news. Pure (no
// electron), so it is tested on plain Node; its state grows with batches, never with jobs.
import type { BatchView } from '../../shared/job.ts'

export interface BatchEndTracker {
  /** Feeds the latest list; returns the batches that ended since the previous one. */
  update(batches: BatchView[]): BatchView[]
}

export function createBatchEndTracker(initial: BatchView[]): BatchEndTracker {
  let ended = new Map<number, boolean>(initial.map((batch) => [batch.id, batch.endedAt !== null]))
  return {
    update(batches) {
      const news: BatchView[] = []
      const next = new Map<number, boolean>()
      for (const batch of batches) {
        const now = batch.endedAt !== null
        // Unknown and already ended: it started and ended between two deliveries.
        if (now && ended.get(batch.id) !== true) news.push(batch)
        next.set(batch.id, now)
      }
      ended = next
      return news
    },
  }
}

/** One line for a notification: what happened to the batch's jobs. */
export function describeBatchEnd(batch: BatchView): { title: string; body: string } {
  const c = batch.counts
  const parts = [`${c.succeeded} of ${batch.total} succeeded`]
  if (c.failed) parts.push(`${c.failed} failed`)
  if (c['timed-out']) parts.push(`${c['timed-out']} timed out`)
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`)
  const ok = c.succeeded === batch.total
  return { title: `${ok ? 'Batch done' : 'Batch ended'}: ${batch.name}`, body: parts.join(', ') }
}
