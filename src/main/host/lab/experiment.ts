// What one concurrency-lab experiment is (docs/architecture.md, "The lab"): its description,
// the batch it runs, the arguments of its Python original, the checks that say whether the
// lesson held in the numbers, and the sentence that explains them. Each experiment is one
// module in experiments/, registered in experiments.ts the way kinds are in kinds/registry.ts.
import type { JobSpec } from '../../../shared/job.ts'
import type { ExpectationCheck, ExperimentInfo, LabResult, StrategyId, StrategyResult } from '../../../shared/lab.ts'
import type { LabEnv } from './run-strategy.ts'
import type { Scale } from './scale.ts'

/** The loopback server that answers slowly: the "remote" side of a fetch. */
export interface SlowServer {
  url: string
  port: number
  /** Answers at once: the warm-up only needs the fetching code loaded. */
  warmUrl: string
}

/** Everything an experiment's parts are computed from. */
export interface LabContext {
  scale: Scale
  pool: number
  cores: number
  /** The sum-squares n of one CPU task, calibrated so it takes about `scale.cpuTaskMs` here (0 unless cpuBound). */
  squaresN: number
  /** Running while the experiment runs, when it declares `slowServerMs`. */
  server: SlowServer | null
}

/** A strategy's result by id (skipped ones included: `check` passes over them). */
export type FindResult = (strategy: StrategyId) => StrategyResult | undefined

export interface LabExperiment {
  info: ExperimentInfo
  /** CPU work on cores: its task size is calibrated, and its strategies get an efficiency. */
  cpuBound: boolean
  /** Which Python strategies mirror it (empty: no Python original). */
  pythonStrategies: StrategyId[]
  /** Set when the experiment needs the slow loopback server: its answer delay. */
  slowServerMs?: (scale: Scale) => number
  /** The batch every strategy runs. */
  jobs(ctx: LabContext): JobSpec[]
  /** The Python script's arguments after experiment, strategy and pool. */
  pythonArgs(ctx: LabContext): string[]
  /** Measures a strategy itself instead of timing `jobs` on a fresh engine (start-up). */
  measure?(strategy: StrategyId, ctx: LabContext, env: LabEnv): Promise<StrategyResult>
  /** Whether the lesson held, in the numbers; null entries are checks with nothing to judge. */
  checks(find: FindResult, ctx: LabContext): (ExpectationCheck | null)[]
  /** One sentence from the run's own numbers. */
  explain(result: LabResult, ctx: LabContext): string
}

/**
 * A check that the wall time of `strategy` lands within ±tolerance of `expectedMs`, or within
 * −tolerance/+toleranceAbove when the lesson is one-sided (work that cannot be faster than its
 * expectation, only slower by noise).
 */
export function within(
  text: string,
  strategy: StrategyResult | undefined,
  expectedMs: number,
  tolerance: number,
  toleranceAbove?: number,
): ExpectationCheck | null {
  if (!strategy || strategy.skipped) return null
  const deviation = strategy.wallMs - expectedMs
  const allowed = expectedMs * (deviation > 0 ? (toleranceAbove ?? tolerance) : tolerance)
  return {
    text,
    strategy: strategy.strategy,
    expectedMs,
    measuredMs: strategy.wallMs,
    tolerance,
    ...(toleranceAbove === undefined ? {} : { toleranceAbove }),
    met: Math.abs(deviation) <= allowed,
  }
}

/** How many rounds `count` tasks take on `slots` workers. */
export const waves = (count: number, slots: number) => Math.ceil(count / Math.max(1, slots))

/** A strategy that ran (not skipped), for explanations. */
export function ran(result: LabResult, strategy: StrategyId): StrategyResult | undefined {
  return result.strategies.find((r) => r.strategy === strategy && !r.skipped)
}

export function repeat(job: JobSpec, count: number): JobSpec[] {
  return Array.from({ length: count }, (_, i) => ({ ...job, name: `${job.name ?? job.kind} ${i + 1}` }))
}

/** Milliseconds as people read them: `850 ms`, `1.25 s`. */
export const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
export const times = (ratio: number | null) => (ratio === null ? 'n/a' : `${ratio.toFixed(1)}×`)

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0
}
