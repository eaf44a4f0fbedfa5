// `--resume` of a streamed batch: every job of the batch records the input it was made from
// (jobs.input_index), so the inputs a resumed run skips are exactly those its batch holds a
// job for, by index, whatever order they ran or finished in (retries, priorities, a window
// that reads ahead): the finished ones stay as they are, the interrupted and cancelled ones
// run again from their rows, and every other input is read and run. The store answers the
// indices as ranges (small however long the batch). Rows from before the column have no index;
// those batches were written as a prefix of their input (rows in creation order, fed in input
// order), so they cover the first `unindexed` inputs. Nothing here is loaded whole.
import type { JobState } from '../shared/job.ts'
import type { InputRanges, JobStore } from '../main/engine/index.ts'

/** States a resumed run leaves as they are (interrupted and cancelled jobs run again). */
const KEPT: JobState[] = ['succeeded', 'failed', 'timed-out']

export interface Covered {
  /** How many jobs the batch holds (one per input it covers). */
  covered: number
  /** Of those, the jobs that stay finished, by state. */
  finished: Partial<Record<JobState, number>>
  /** The input indices it holds a job for. */
  inputs: InputRanges
}

export const NOTHING_COVERED: Covered = { covered: 0, finished: {}, inputs: { ranges: [], unindexed: 0 } }

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
  return { covered, finished, inputs: await store.inputRanges(batchIds) }
}

/**
 * Whether input `index` is covered, for indices asked in ascending order (streamSubmission
 * asks so): a cursor over the ranges, so each is passed once.
 */
export function coveredSkip(inputs: InputRanges): ((index: number) => boolean) | undefined {
  const { ranges, unindexed } = inputs
  if (ranges.length === 0 && unindexed === 0) return undefined
  let at = 0
  return (index) => {
    if (index < unindexed) return true
    while (at < ranges.length && ranges[at]![1] <= index) at++
    return at < ranges.length && ranges[at]![0] <= index
  }
}

/** The first input the batch holds no job for (where a resumed run starts reading new jobs). */
export function firstUncovered(inputs: InputRanges): number {
  let next = inputs.unindexed
  for (const [from, to] of inputs.ranges) {
    if (from > next) break
    next = Math.max(next, to)
  }
  return next
}
