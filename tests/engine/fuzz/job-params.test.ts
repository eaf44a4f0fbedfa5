// Hostile job params and job envelopes, property-based: every kind answers ok or problems
// named under `params`, and nothing throws past the boundary.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KIND_NAMES } from '../../../src/shared/kinds.ts'
import { checkJobSpec } from '../../../src/shared/schemas.ts'
import { expectNamedProblems, hostile, RUNS } from './hostile.ts'

describe('job params', () => {
  it('every kind answers any params with ok or problems under `params`', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KIND_NAMES),
        fc.dictionary(fc.string({ maxLength: 8 }), hostile, { maxKeys: 4 }),
        (kind, params) => {
          const checked = checkJobSpec({ kind, params }, 'jobs[0]')
          if (!checked.ok) {
            expectNamedProblems(checked.problems)
            for (const problem of checked.problems) expect(problem.field.startsWith('jobs[0].params')).toBe(true)
          }
        },
      ),
      { numRuns: RUNS * 3 },
    )
  })

  it('any job envelope answers ok or problems, never an exception', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const checked = checkJobSpec(input, 'job')
        if (!checked.ok) expectNamedProblems(checked.problems)
      }),
      { numRuns: RUNS },
    )
  })
})
