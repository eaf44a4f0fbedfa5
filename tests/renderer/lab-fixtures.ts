// Lab results captured from real runs of `corelane lab <experiment> --quick --json` on the
// 2-core build machine (see fixtures/README.md), and the experiment list the real host answers
// `labExperiments` with. Typed here once: JSON imports widen string unions to string.
import type { ExperimentInfo, LabResult } from '../../src/shared/lab.ts'
import experiments from './fixtures/lab-experiments.json'
import gatherFetchNoPython from './fixtures/lab-gather-fetch-nopython.json'
import sleepPoolPython from './fixtures/lab-sleep-pool-python.json'
import startupCost from './fixtures/lab-startup-cost.json'

/** A fresh copy each time, so no test can change another's fixture. */
function copy<T>(value: unknown): T {
  return structuredClone(value) as T
}

export const labExperiments = (): ExperimentInfo[] => copy(experiments)
/** sleep-pool with the Python originals (python3 found): 8 strategies, every check met. */
export const sleepPoolResult = (): LabResult => copy(sleepPoolPython)
/** gather-fetch asked for Python on a machine without python3: skipped strategies, a note, one check missed. */
export const gatherFetchResult = (): LabResult => copy(gatherFetchNoPython)
/** startup-cost: extra figures per strategy, and both checks missed. */
export const startupCostResult = (): LabResult => copy(startupCost)
