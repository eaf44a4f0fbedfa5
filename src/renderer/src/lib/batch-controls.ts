// The job form's batch controls without the DOM: the values typed in BatchControls.vue in,
// the submit fields (checked with the shared schemas, as the engine's host checks them) or
// field problems out, and a sentence saying what a halt rule will do.
import * as v from 'valibot'
import type { CommandInput } from '../../../shared/contract.ts'
import { ResultsDirSchema, SUBMIT_CONTROL_ENTRIES } from '../../../shared/controls.ts'
import { parseHalt } from '../../../shared/halt.ts'
import { safeParseProblems, type FieldProblem } from '../../../shared/validate.ts'

export interface BatchControlValues {
  /** A GNU parallel --halt rule; '' for never. */
  halt: string
  /** Between two job starts: milliseconds, or 0.5s, 2m; '' for none. */
  delay: string
  /** No new CPU job while the load is at or above this; '' for none. */
  maxLoad: string
  /** No new job while free memory is below this: bytes, or 512M, 2G; '' for none. */
  memFree: string
  /** GNU parallel's --results: a folder on the machine running the engine; '' for none. */
  results: string
  /** GNU parallel's --dry-run: list the jobs, run nothing. */
  dryRun: boolean
}

/** The submit fields the controls add. */
export type ControlFields = Pick<CommandInput<'submit'>, 'halt' | 'delay' | 'maxLoad' | 'memFree' | 'results'>

export const emptyControls = (): BatchControlValues => ({
  halt: '',
  delay: '',
  maxLoad: '',
  memFree: '',
  results: '',
  dryRun: false,
})

/** Field names as the submit command reports them, for placing problems next to their control. */
export const CONTROL_FIELDS = ['halt', 'delay', 'maxLoad', 'memFree', 'results']

const NUMBER = /^\d+(\.\d+)?$/

const ControlsSchema = v.strictObject({ ...SUBMIT_CONTROL_ENTRIES, results: v.optional(ResultsDirSchema) })

export function controlFields(
  values: BatchControlValues,
): { ok: true; fields: ControlFields } | { ok: false; problems: FieldProblem[] } {
  const fields: ControlFields = {}
  const halt = values.halt.trim()
  if (halt && halt !== 'never') fields.halt = halt
  // Plain numbers go as numbers (ms, bytes); text with a unit as it is written.
  const delay = values.delay.trim()
  if (delay) fields.delay = NUMBER.test(delay) ? Number(delay) : delay
  const maxLoad = values.maxLoad.trim()
  if (maxLoad) fields.maxLoad = NUMBER.test(maxLoad) ? Number(maxLoad) : (maxLoad as unknown as number)
  const memFree = values.memFree.trim()
  if (memFree) fields.memFree = NUMBER.test(memFree) ? Number(memFree) : memFree
  // A dry run writes nothing: its folder is not sent (nor checked).
  const results = values.results.trim()
  if (results && !values.dryRun) fields.results = results
  const checked = safeParseProblems(ControlsSchema, fields)
  return checked.ok ? { ok: true, fields } : { ok: false, problems: checked.problems }
}

/** What the rule will do, in a sentence; null when it is not a rule (its problem says why). */
export function describeHalt(text: string): string | null {
  if (!text.trim()) return 'Runs every job whatever happens (GNU parallel: --halt never).'
  const rule = parseHalt(text)
  if (rule === null) return 'Runs every job whatever happens (GNU parallel: --halt never).'
  if ('error' in rule) return null
  const amount = rule.percent ? `${rule.threshold}% of the jobs` : `${rule.threshold} job${rule.threshold === 1 ? '' : 's'}`
  const what = rule.on === 'fail' ? 'failed (or timed out)' : rule.on === 'success' ? 'succeeded' : 'finished'
  const then =
    rule.when === 'now' ? 'cancel the running jobs and start no more' : 'start no more jobs and let the running ones finish'
  return `Once ${amount} ${rule.threshold === 1 && !rule.percent ? 'has' : 'have'} ${what}: ${then}.`
}
