// What the fuzz tests (one file per boundary in this folder) throw at Corelane: values of every
// JSON shape plus the ones JSON cannot carry but IPC's structured clone can, and the one
// assertion they share: a refusal names at least one field, each with a message.
import fc from 'fast-check'
import { expect } from 'vitest'

/** Property runs per test (some tests run a multiple of it). */
export const RUNS = 300

export const hostile = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', '\u0000', '__proto__', '{}'),
)

export function expectNamedProblems(problems: { field: string; message: string }[]): void {
  expect(problems.length).toBeGreaterThan(0)
  for (const problem of problems) expect(problem.message.length).toBeGreaterThan(0)
}
