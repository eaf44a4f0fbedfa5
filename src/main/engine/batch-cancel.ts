// Cancelling a whole batch: every job of it the engine holds that has not finished (queued,
// held by a batch pause, waiting out a retry backoff, or running) is cancelled through the
// engine's per-job cancel, the batch is marked so nothing more is queued in it, and whoever
// feeds the batch (a streamed batch's reader, stream-intake.ts) is told to stop reading.
import { ValidationError } from '../../shared/validate.ts'
import type { JobStates } from './job-states.ts'

export class BatchCancels {
  private readonly listeners = new Set<(batchId: number) => void>()

  /** Calls `listener` with the id of each batch cancelled from now on; returns an unsubscribe function. */
  onCancelled(listener: (batchId: number) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Cancels a batch of `states` (an unknown id: a ValidationError naming batchId) through the
   * engine's per-job `cancel`; returns how many jobs were cancelled.
   */
  cancel(batchId: number, states: JobStates, cancel: (ids: number[]) => number): number {
    const batch = states.batches.get(batchId)
    if (!batch) throw new ValidationError([{ field: 'batchId', message: `no batch with id ${batchId}` }])
    // Marked first, so a chunk being queued right now stops at its next slice (engine.enqueue).
    batch.cancelled = true
    const cancelled = cancel(states.unfinishedOf(batchId))
    for (const listener of this.listeners) listener(batchId)
    return cancelled
  }
}
