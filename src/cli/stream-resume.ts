// `--resume` of a streamed batch: every job of the batch came from one input, in input order
// (the feed queues them so), and the database holds a prefix of them (rows are written in
// creation order). So the inputs a resumed run skips are the first `covered` ones, however
// many succeeded long ago and have left memory: they are counted in the database, not loaded
// (resume.ts finds the run and says whether it is still to be read on).
import type { JobState } from '../shared/job.ts'
import type { JobStore } from '../main/engine/index.ts'

/** States a resumed run leaves as they are (interrupted and cancelled jobs run again). */
const KEPT: JobState[] = ['succeeded', 'failed', 'timed-out']

export interface Covered {
  /** How many inputs the batch holds a job for. */
  covered: number
  /** Of those, the jobs that stay finished, by state. */
  finished: Partial<Record<JobState, number>>
}

/** What the run's batches (one, or a root and its continuations from older databases) already cover. */
export async function coveredInputs(store: JobStore, batchIds: number[]): Promise<Covered> {
  let covered = 0
  const finished: Partial<Record<JobState, number>> = {}
  for (const batchId of batchIds) {
    covered += (await store.history({ batchId, limit: 1 })).total
    for (const state of KEPT) {
      const { total } = await store.history({ batchId, state, limit: 1 })
      if (total) finished[state] = (finished[state] ?? 0) + total
    }
  }
  return { covered, finished }
}
