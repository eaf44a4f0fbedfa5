// GNU parallel's --halt rule, parsed and decided without any runtime: the CLI, the engine's
// halt control, the batch-file schema and the window's form all use this one reading.
//
// The accepted forms are GNU parallel's: `never`, `now|soon,fail|success|done=N` or `=P%`,
// the shorthands 0 (never), 1 (soon,fail=1), 2 (now,fail=1), -1 (soon,success=1),
// -2 (now,success=1), and `P%` (soon,fail=P%).
import * as v from 'valibot'

export type HaltWhen = 'now' | 'soon'
export type HaltOn = 'fail' | 'success' | 'done'

export interface HaltRule {
  /** now: cancel the running jobs too; soon: let them finish, start no more. */
  when: HaltWhen
  /** What is counted: failed jobs, succeeded jobs, or finished jobs of either kind. */
  on: HaltOn
  /** A count of jobs, or (with `percent`) a share of the batch's jobs. */
  threshold: number
  percent: boolean
  /** The rule in its long form, e.g. `now,fail=1`, for messages and summaries. */
  text: string
}

const SHORTHANDS: Record<string, string> = {
  '0': 'never',
  '1': 'soon,fail=1',
  '2': 'now,fail=1',
  '-1': 'soon,success=1',
  '-2': 'now,success=1',
}

const LONG_FORM = /^(now|soon),(fail|success|done)=(\d+)(%?)$/

export const HALT_MESSAGE =
  'must be never, now|soon,fail|success|done=N or =P% (as in GNU parallel: e.g. now,fail=1, soon,fail=10%)'

/** The rule a `--halt` value means; null for `never`; a message when it is not a rule. */
export function parseHalt(input: string): HaltRule | null | { error: string } {
  let text = SHORTHANDS[input.trim()] ?? input.trim()
  if (/^\d+%$/.test(text)) text = `soon,fail=${text}`
  if (text === 'never') return null
  const match = LONG_FORM.exec(text)
  if (!match) return { error: HALT_MESSAGE }
  const [, when, on, amount, percent] = match
  const threshold = Number(amount)
  if (percent ? threshold < 1 || threshold > 100 : threshold < 1) {
    return { error: percent ? 'the percentage must be from 1% to 100%' : 'the count must be 1 or more' }
  }
  return { when: when as HaltWhen, on: on as HaltOn, threshold, percent: percent === '%', text }
}

/** A `halt` field: a string that parseHalt accepts (the published JSON Schema keeps the pattern). */
export const HaltSchema = v.pipe(
  v.string(),
  v.regex(/^(never|-?[012]|\d+%|(now|soon),(fail|success|done)=\d+%?)$/, HALT_MESSAGE),
  v.check((text) => {
    // The pattern above reports malformed rules; this one only counts out of range.
    const rule = parseHalt(text)
    return !(rule && 'error' in rule && rule.error !== HALT_MESSAGE)
  }, 'the count must be 1 or more, a percentage from 1% to 100%'),
  v.description('Stop the batch early, as GNU parallel --halt: now|soon,fail|success|done=N or =P%'),
)

/** How a batch's jobs have ended so far. Timed-out jobs count as failed, as in GNU parallel; cancelled ones not at all. */
export interface HaltTally {
  failed: number
  succeeded: number
  /** Jobs in the batch (the share of a percentage is of these). */
  total: number
}

/**
 * Whether the rule is met. Like GNU parallel, a percentage is of the batch's jobs (10% of 50
 * jobs halts at the 5th failure), and done counts failures and successes alike.
 */
export function haltReached(rule: HaltRule, tally: HaltTally): boolean {
  const counted = rule.on === 'fail' ? tally.failed : rule.on === 'success' ? tally.succeeded : tally.failed + tally.succeeded
  const needed = rule.percent ? (tally.total * rule.threshold) / 100 : rule.threshold
  return counted > 0 && counted >= needed
}

/**
 * Corelane's exit code for a halted batch, in its 0/1/2 scheme: GNU parallel exits 0 after
 * success=N and non-zero after fail=N; done=N gives 0 only when nothing failed. The jobs the
 * halt cancelled do not count against it (they were stopped on purpose).
 */
export function haltExitCode(rule: HaltRule, tally: { failed: number }): 0 | 1 {
  if (rule.on === 'success') return 0
  if (rule.on === 'fail') return 1
  return tally.failed > 0 ? 1 : 0
}
