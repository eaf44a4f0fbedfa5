// The shapes every benchmark shares: a measure is a set of variants (Corelane and its peers),
// each run in a fresh child process once per round, and a recipe turning their numbers into
// table rows with targets. Kept apart so measures, the runner and the renderers agree.

/** Named numbers one variant reports for one round, e.g. { jobsPerSec: 123456 }. */
export type Metrics = Record<string, number>

/** What a variant is told when it runs (inside its own child process). */
export interface VariantContext {
  quick: boolean
  /** Values computed once by the measure's `prepare` (e.g. a calibrated n), identical for every variant and round. */
  prepared: Record<string, unknown>
}

/** One round of one variant: its numbers, or why it failed. */
export interface RoundResult {
  round: number
  variant: string
  /** Position of the variant within its round (0 = ran first). */
  order: number
  ms: number
  /** How long the runner waited for the machine to be quiet before starting it, and the load it saw last. */
  settledMs?: number
  loadBefore?: number | null
  metrics?: Metrics
  /** Share of the machine's CPU (0..1) other processes used while this ran, when known (Linux). */
  background?: number | null
  error?: string
}

/** Every variant's per-round numbers, by variant name (failed rounds left out). */
export type Samples = Record<string, Metrics[]>

export interface Summary {
  median: number
  min: number
  max: number
  /** How many rounds produced the number. */
  n: number
}

/**
 * A target for one row. `ratio*` compare the median of Corelane to the median of the peer;
 * `at*` compare Corelane's median to a fixed number in the row's unit.
 */
export type Target =
  { ratioAtLeast: number } | { ratioAtMost: number } | { atMost: number } | { atLeast: number } | { reported: string }

export interface Row {
  measure: string
  label: string
  unit: string
  corelane: { variant: string; metric: string; summary: Summary | null }
  peer: { variant: string; metric: string; label: string; summary: Summary | null } | null
  /** Corelane median / peer median. */
  ratio: number | null
  target: string
  /** Whether the target compares against the peer (ratio), a fixed number, or nothing. */
  targetKind: 'ratio' | 'absolute' | 'reported'
  /**
   * Median share of the machine's CPU (0..1) other processes used while this row's variants
   * ran; filled in by the runner. Above NOISY_SHARE the row is marked as measured under load.
   */
  background?: number | null
  /** null when the row is only reported. */
  met: boolean | null
  note?: string
}

export interface Measure {
  name: string
  title: string
  /** How it is measured: one short paragraph for the Markdown report. */
  how(quick: boolean): string
  variants: string[]
  /**
   * Variants that only feed "reported" rows: they run in every third round (1, 4, 7), still
   * interleaved with the others, to keep the full run short. The rest run every round.
   */
  context?: string[]
  /** The longest one variant may run before it is killed (default 180 s). */
  timeoutMs?: number
  /** Extra Node flags for the child processes of this measure. */
  execArgv?: string[]
  /** A reason to skip the whole measure on this machine, or null. */
  unavailable?(): string | null
  /** Runs once in the orchestrator before the rounds; may call `runChild` for a calibration. */
  prepare?(quick: boolean, runChild: (variant: string) => Promise<Metrics>): Promise<Record<string, unknown>>
  /** Runs one variant once; called in a fresh child process. */
  run(variant: string, ctx: VariantContext): Promise<Metrics>
  rows(samples: Samples, ctx: VariantContext): Row[]
}
