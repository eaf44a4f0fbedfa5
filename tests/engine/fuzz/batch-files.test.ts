// Hostile batch files, property-based: each is accepted or refused with named problems, and an
// accepted one either becomes a valid submission or fails validation cleanly.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KIND_NAMES } from '../../../src/shared/kinds.ts'
import { BatchFileSchema } from '../../../src/shared/schemas.ts'
import { safeParseProblems, ValidationError } from '../../../src/shared/validate.ts'
import { validateSubmission } from '../../../src/main/engine/submission.ts'
import { InputError, toSubmitRequest } from '../../../src/cli/batch-file.ts'
import { expectNamedProblems, hostile, RUNS } from './hostile.ts'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-fuzz-batch-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('batch files', () => {
  const batchish = fc.record(
    {
      name: hostile,
      jobs: fc.array(fc.oneof(hostile, fc.record({ kind: fc.constantFrom(...KIND_NAMES, 'nope'), params: hostile })), {
        maxLength: 4,
      }),
      template: fc.oneof(hostile, fc.record({ kind: fc.constantFrom(...KIND_NAMES), params: hostile })),
      inputs: fc.oneof(fc.array(hostile, { maxLength: 4 }), fc.record({ range: hostile }), hostile),
      count: fc.oneof(fc.integer({ min: -5, max: 5 }), hostile),
      defaults: hostile,
    },
    { requiredKeys: [] },
  )

  it('any batch file is accepted or refused with problems; accepted ones submit or fail validation cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, batchish), async (input) => {
        const parsed = safeParseProblems(BatchFileSchema, input)
        if (!parsed.ok) {
          expectNamedProblems(parsed.problems)
          return
        }
        try {
          const request = await toSubmitRequest(parsed.value, 'fuzz.json', dir)
          await validateSubmission(request)
        } catch (error) {
          expect(error instanceof ValidationError || error instanceof InputError).toBe(true)
          expectNamedProblems((error as ValidationError).problems)
        }
      }),
      { numRuns: RUNS },
    )
  })
})
