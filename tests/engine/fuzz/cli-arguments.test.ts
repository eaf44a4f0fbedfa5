// Hostile command lines, property-based: any argv is parsed or refused with an InputError
// naming the flag, never another exception.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkFlags, parseCommandLine, RunFlagsSchema, HistoryFlagsSchema } from '../../../src/cli/args.ts'
import { InputError } from '../../../src/cli/batch-file.ts'
import { RUNS } from './hostile.ts'

describe('CLI arguments', () => {
  it('any argv is parsed or refused with an InputError naming the flag', () => {
    const token = fc.oneof(
      fc.constantFrom(
        'run',
        'kinds',
        'history',
        '--json',
        '--cpu-slots',
        '--io-concurrency',
        '--executor',
        '--state',
        '--limit',
        '-q',
        '--',
        '-',
      ),
      fc.string({ maxLength: 12 }),
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
        try {
          const { values } = parseCommandLine(argv)
          checkFlags(RunFlagsSchema, values, ['cpu-slots', 'io-concurrency', 'executor', 'json', 'quiet'])
          checkFlags(HistoryFlagsSchema, values, ['state', 'limit', 'json', 'quiet', 'cpu-slots', 'io-concurrency', 'executor'])
        } catch (error) {
          expect(error).toBeInstanceOf(InputError)
          expect((error as InputError).message.length).toBeGreaterThan(10)
        }
      }),
      { numRuns: RUNS * 3 },
    )
  })
})
