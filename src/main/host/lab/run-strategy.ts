// Runs one batch under one strategy on a fresh engine (so start-up is measured, as a Python
// `with Pool(4)` block would), recording wall time, start-up, the job timeline and the
// per-core load sampled meanwhile.
import type { JobSpec, JobView } from '../../../shared/job.ts'
import type { StrategyId, StrategyResult, TimelineBar } from '../../../shared/lab.ts'
import { createEngine, type Engine, type Monitor, type ProcessHost } from '../../engine/index.ts'

export interface LabEnv {
  /** Scratch folder for the lab's engines (logs, results). */
  dataDir: string
  /** The app's one monitor, if any: its samples are recorded during each run. */
  monitor: Monitor | null
  processHost?: ProcessHost
  workerEntries?: { thread?: string | URL; process?: string }
  /** The app's compile cache (its workers' code, already compiled); default: the scratch folder's own. */
  compileCacheDir?: string
  /** Told which strategy is running, for progress in the UI. */
  onProgress?: (note: string) => void
}

export interface RunOutcome {
  result: StrategyResult
  jobs: JobView[]
  engine: Engine
}

export const STRATEGY_LABELS: Record<StrategyId, string> = {
  sequential: 'one worker, one job after another',
  threads: 'worker threads',
  processes: 'worker processes',
  async: 'async I/O lane (one event loop)',
  'python-sequential': 'Python, sequential',
  'python-threads': 'Python threads (GIL)',
  'python-processes': 'Python multiprocessing.Pool',
  'python-asyncio': 'Python asyncio.gather',
}

function lanePlacement(strategy: StrategyId): Pick<JobSpec, 'lane' | 'executor'> {
  switch (strategy) {
    case 'processes':
      return { lane: 'cpu', executor: 'process' }
    case 'async':
      return { lane: 'io', executor: 'thread' }
    default:
      return { lane: 'cpu', executor: 'thread' }
  }
}

/**
 * Runs `jobs` under `strategy` with `pool` workers and keeps the engine open (the caller may
 * measure more on the warm pool, then must close it).
 */
export async function runStrategy(
  strategy: StrategyId,
  jobs: JobSpec[],
  pool: number,
  cores: number,
  env: LabEnv,
): Promise<RunOutcome> {
  env.onProgress?.(STRATEGY_LABELS[strategy])
  const placement = lanePlacement(strategy)
  const slots = strategy === 'sequential' ? 1 : pool
  const engine = createEngine({
    dataDir: env.dataDir,
    cpuSlots: slots,
    ioConcurrency: Math.max(1, jobs.length),
    processHost: env.processHost,
    workerEntries: env.workerEntries,
    compileCacheDir: env.compileCacheDir,
  })
  const coreSamples: number[][] = []
  const submitAt = Date.now()
  const stopSampling =
    env.monitor?.onSample((sample) => coreSamples.push([sample.at - submitAt, ...sample.cores])) ?? (() => undefined)
  const t0 = performance.now()
  const { jobIds } = await engine.submit({
    name: `lab: ${STRATEGY_LABELS[strategy]}`,
    jobs: jobs.map((job) => ({ ...job, ...placement })),
  })
  await engine.whenSettled(jobIds)
  const wallMs = performance.now() - t0
  stopSampling()
  const views = jobIds.map((id) => engine.getJob(id)!)
  const failed = views.find((job) => job.state !== 'succeeded')
  if (failed) {
    await engine.close()
    throw new Error(`${STRATEGY_LABELS[strategy]}: job "${failed.name}" ${failed.state}: ${failed.error?.message ?? ''}`)
  }
  const result: StrategyResult = {
    strategy,
    label: STRATEGY_LABELS[strategy],
    pool: strategy === 'async' ? jobs.length : slots,
    wallMs,
    speedup: null,
    efficiency: null,
    startupMs: Math.max(0, Math.min(...views.map((job) => job.startedAt!)) - submitAt),
    coreLoad: averageLoad(coreSamples, cores),
    coreSamples,
    timeline: timelineRows(views, submitAt),
  }
  return { result, jobs: views, engine }
}

/**
 * Assigns each job a timeline row: a job takes the first row whose previous job had ended
 * when it started (greedy interval packing), so rows show how many ran at once, per worker slot.
 */
export function timelineRows(views: JobView[], origin: number): TimelineBar[] {
  const sorted = [...views].sort((a, b) => a.startedAt! - b.startedAt!)
  const rowEnds: number[] = []
  return sorted.map((job) => {
    const start = job.startedAt! - origin
    const end = job.endedAt! - origin
    let row = rowEnds.findIndex((rowEnd) => rowEnd <= start)
    if (row < 0) row = rowEnds.push(end) - 1
    else rowEnds[row] = end
    return { worker: row, startMs: start, endMs: end }
  })
}

export function averageLoad(samples: number[][], cores: number): number[] {
  const totals = new Array<number>(cores).fill(0)
  if (samples.length === 0) return totals
  for (const sample of samples) for (let core = 0; core < cores; core++) totals[core]! += sample[core + 1] ?? 0
  return totals.map((total) => total / samples.length)
}
