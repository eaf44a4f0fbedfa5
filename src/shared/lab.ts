// The concurrency lab's vocabulary, shared by the runner (host), the CLI and the Lab view:
// an experiment runs one batch under several strategies and compares what was measured.
import * as v from 'valibot'

export const EXPERIMENT_IDS = [
  'sleep-pool',
  'gather-fetch',
  'cpu-parallel',
  'cpu-sequential',
  'timers-10k',
  'startup-cost',
] as const
export type ExperimentId = (typeof EXPERIMENT_IDS)[number]

/** How a batch is run: one worker after another, a pool of threads or processes, or the async I/O lane. */
export type StrategyId =
  | 'sequential'
  | 'threads'
  | 'processes'
  | 'async'
  | 'python-sequential'
  | 'python-threads'
  | 'python-processes'
  | 'python-asyncio'

export interface ExperimentInfo {
  id: ExperimentId
  title: string
  /** The question the experiment answers, in the words of the classic tutorials. */
  question: string
  /** What the classic result is, e.g. "about 2 s, not 8". */
  expectation: string
  strategies: StrategyId[]
  /** Whether the original Python version exists for it. */
  python: boolean
}

/** The largest pool a lab run may ask for (LabRunSchema's bound). */
export const MAX_LAB_POOL = 64

/**
 * The pool an experiment runs on when the user does not choose one, the one place it is
 * decided (host and Lab view alike): the classic example's 4 for sleeps, else one worker per core.
 */
export function defaultPool(experiment: ExperimentId, cores: number): number {
  return experiment === 'sleep-pool' ? 4 : Math.max(1, Math.min(MAX_LAB_POOL, cores))
}

export const LabRunSchema = v.strictObject({
  experiment: v.picklist(EXPERIMENT_IDS),
  /** Pool size for the thread and process strategies. Default: the classic example's (4 for sleeps) or the core count. */
  pool: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_LAB_POOL))),
  /** `quick` scales the work down (shorter sleeps, smaller n) for tests and fast demos. */
  scale: v.optional(v.picklist(['full', 'quick']), 'full'),
  /** Also run the original Python version where python3 exists. */
  python: v.optional(v.boolean(), false),
})
export type LabRunInput = v.InferInput<typeof LabRunSchema>
export type LabRunOptions = v.InferOutput<typeof LabRunSchema>

/** One job on the timeline: which worker (row), when it ran, relative to the run's start. */
export interface TimelineBar {
  worker: number
  startMs: number
  endMs: number
}

export interface StrategyResult {
  strategy: StrategyId
  label: string
  /** Workers (or concurrent slots) it was allowed. */
  pool: number
  wallMs: number
  /** Sequential wall time ÷ this wall time; null when the experiment has no sequential run to compare with. */
  speedup: number | null
  /**
   * Speed-up ÷ min(pool, cores): 1 means every core it could use was fully used. Null unless
   * the work is CPU work on cores (a pool of sleeps is not "472% of 2 cores") and has a speed-up.
   */
  efficiency: number | null
  /** From submit to the first job starting: worker start-up cost. */
  startupMs: number
  /** Average busy % of each core while it ran. */
  coreLoad: number[]
  /** Per-core load samples during the run: [msSinceStart, ...one value per core]. */
  coreSamples: number[][]
  timeline: TimelineBar[]
  /** Set when the strategy could not run (e.g. no python3), with the reason. */
  skipped?: string
  /** Extra figures some experiments measure (e.g. message round trip). */
  extra?: Record<string, number>
}

export interface ExpectationCheck {
  /** What was expected, in words and as a number. */
  text: string
  strategy: StrategyId
  expectedMs: number
  measuredMs: number
  /** Allowed relative deviation, e.g. 0.25 for ±25 % (below the expected time when `toleranceAbove` is set). */
  tolerance: number
  /** Allowed relative deviation above the expected time, when it differs from below. */
  toleranceAbove?: number
  met: boolean
}

/** A check's band as relative deviations below and above its expected time. */
export function checkBand(check: ExpectationCheck): { below: number; above: number } {
  return { below: check.tolerance, above: check.toleranceAbove ?? check.tolerance }
}

/** A check's band in words: ` ±20%`, or ` −15%/+50%` when it is not symmetric ('' for none). */
export function bandText(check: ExpectationCheck): string {
  const { below, above } = checkBand(check)
  const pct = (x: number) => `${Math.round(x * 100)}%`
  if (below === above) return below ? ` ±${pct(below)}` : ''
  return ` −${pct(below)}/+${pct(above)}`
}

export interface LabResult {
  experiment: ExperimentId
  title: string
  cores: number
  pool: number
  scale: 'full' | 'quick'
  startedAt: number
  strategies: StrategyResult[]
  checks: ExpectationCheck[]
  /** The size of one CPU task, calibrated to this machine (CPU experiments only). */
  cpuTask?: { n: number; targetMs: number }
  /** One sentence computed from the numbers above. */
  explanation: string
  /** Whether python3 was found, and its version, or why not. */
  python: { available: boolean; version: string | null; note: string | null }
}
