// Reads one pack's end from Redis, for a controller that has not heard of it for a while (an
// event missed while Redis was away, or a slow events stream).
import type { Queue } from 'bullmq'

export type PackEnd =
  | { state: 'completed'; returnvalue: unknown }
  | { state: 'failed'; reason: string }
  | { state: 'gone' }
  /** Still waiting, delayed or running. */
  | null

/**
 * The state first, then the job: BullMQ ends a pack (return value and state) in one script,
 * so a pack read as completed has its return value in the hash read after. Read the other way
 * round, a pack that ended between the two reads is "completed" with the null returnvalue of a
 * job read while it still ran, which once lost a pack's jobs under load.
 */
export async function readPackEnd(queue: Queue, packId: string): Promise<PackEnd> {
  const state = await queue.getJobState(packId)
  if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return null
  const job = await queue.getJob(packId)
  if (!job) return { state: 'gone' }
  if (state === 'completed') return { state, returnvalue: job.returnvalue }
  if (state === 'failed') return { state, reason: job.failedReason ?? 'failed' }
  return null
}
