// A lab result's expectation checks in words, the same in the Lab view and the PNG export.
import { bandText, type ExpectationCheck, type LabResult } from '../../../shared/lab.ts'
import { formatPreciseDuration } from './format.ts'

/** How many of the result's checks were missed. */
export function missedChecks(result: LabResult): number {
  return result.checks.filter((c) => !c.met).length
}

/** What a check expected, with its tolerance: `1.00 s ±20%` (or `−15%/+50%`). */
export function expectedText(check: ExpectationCheck): string {
  return `${formatPreciseDuration(check.expectedMs)}${bandText(check)}`
}
