// `--resume` of a streamed batch: every job of the batch came from one input, in input order
// (the feed queues them so), and the database holds a prefix of them (rows are written in
// creation order). So the inputs a resumed run skips are the first `covered` ones, however
// many succeeded long ago and have left memory: they are counted in the database, not loaded.
import type { JobState } from '../shared/job.ts'
import type { BatchRow, JobStore, LoadedState } from '../main/engine/index.ts'

/** The last batch from `source`, or null when there is none. */
export function lastBatchFrom(state: LoadedState, source: string): BatchRow | null {
  return state.batches.filter((b) => b.source === source).at(-1) ?? null
}

/** States a resumed run leaves as they are (interrupted and cancelled jobs run again). */
const KEPT: JobState[] = ['succeeded', 'failed', 'timed-out']

export interface Covered {
  /** How many inputs the batch holds a job for. */
  covered: number
  /** Of those, the jobs that stay finished, by state. */
  finished: Partial<Record<JobState, number>>
}

export async function coveredInputs(store: JobStore, batchId: number): Promise<Covered> {
  const covered = (await store.history({ batchId, limit: 1 })).total
  const finished: Partial<Record<JobState, number>> = {}
  for (const state of KEPT) {
    const { total } = await store.history({ batchId, state, limit: 1 })
    if (total) finished[state] = total
  }
  return { covered, finished }
}
