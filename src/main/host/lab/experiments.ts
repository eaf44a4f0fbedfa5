// Every experiment of the concurrency lab by id (docs/architecture.md, "The lab"): the one
// place the runner, the API host and the CLI look an experiment up. Each lives in its own
// module under experiments/.
import type { ExperimentId, ExperimentInfo } from '../../../shared/lab.ts'
import type { LabExperiment } from './experiment.ts'
import { cpuParallel } from './experiments/cpu-parallel.ts'
import { cpuSequential } from './experiments/cpu-sequential.ts'
import { gatherFetch } from './experiments/gather-fetch.ts'
import { sleepPool } from './experiments/sleep-pool.ts'
import { startupCost } from './experiments/startup-cost.ts'
import { timers10k } from './experiments/timers-10k.ts'

export const LAB_EXPERIMENTS: Record<ExperimentId, LabExperiment> = {
  'sleep-pool': sleepPool,
  'gather-fetch': gatherFetch,
  'cpu-parallel': cpuParallel,
  'cpu-sequential': cpuSequential,
  'timers-10k': timers10k,
  'startup-cost': startupCost,
}

/** What each experiment is, as the Lab view and `corelane lab` list it. */
export const EXPERIMENTS = Object.fromEntries(
  Object.entries(LAB_EXPERIMENTS).map(([id, experiment]) => [id, experiment.info]),
) as Record<ExperimentId, ExperimentInfo>
