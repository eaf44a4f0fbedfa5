// `--resume` of a streamed batch: the run is its first batch and the chunks that continue it
// (their source says so, see continuationSource); every job of the run came from one input, in
// input order, and the database holds a prefix of them (rows are written in creation order).
// So the inputs a resumed run skips are the first `covered` ones, however many succeeded long
// ago and have left memory: they are counted in the database, not loaded.
import type { JobState } from '../shared/job.ts'
import type { JobStore, LoadedState } from '../main/engine/index.ts'
import { continuationSource } from './stream-feed.ts'

/** The batch ids of the last streamed run of `source` (first batch first), or null when there is none. */
export function streamedRun(state: LoadedState, source: string): number[] | null {
  const first = state.batches.filter((b) => b.source === source).at(-1)
  if (!first) return null
  const continuation = continuationSource(source, first.id)
  return [first.id, ...state.batches.filter((b) => b.source === continuation).map((b) => b.id)]
}

/** States a resumed run leaves as they are (interrupted and cancelled jobs run again). */
const KEPT: JobState[] = ['succeeded', 'failed', 'timed-out']

export interface Covered {
  /** How many inputs the run's batches hold a job for. */
  covered: number
  /** Of those, the jobs that stay finished, by state. */
  finished: Partial<Record<JobState, number>>
}

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
