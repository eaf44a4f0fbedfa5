// The `corelane run` flags for GNU parallel's batch controls, kept apart from the other flags
// so args.ts only spreads them in. Their values are checked with the same schemas as the
// batch file's fields (src/shared/controls.ts).
import type { ParseArgsConfig } from 'node:util'
import * as v from 'valibot'
import { HaltSchema } from '../../shared/halt.ts'
import { DURATION_MESSAGE, parseDuration, parseSize, SIZE_MESSAGE } from '../../shared/size.ts'

const path = v.pipe(v.string(), v.minLength(1, 'needs a path'))

export const CONTROL_FLAG_ENTRIES = {
  halt: v.optional(HaltSchema),
  joblog: v.optional(path),
  results: v.optional(path),
  'dry-run': v.optional(v.boolean(), false),
  'keep-order': v.optional(v.boolean(), false),
  'resume-failed': v.optional(v.boolean(), false),
  delay: v.optional(
    v.pipe(
      v.string(),
      v.check((text) => parseDuration(text) !== null, DURATION_MESSAGE),
    ),
  ),
  'max-load': v.optional(
    v.pipe(v.string(), v.regex(/^\d+(\.\d+)?$/, 'must be a number, e.g. 2 or 1.5'), v.transform(Number), v.maxValue(100_000)),
  ),
  'mem-free': v.optional(
    v.pipe(
      v.string(),
      v.check((text) => parseSize(text) !== null, SIZE_MESSAGE),
    ),
  ),
}

export const CONTROL_OPTIONS = {
  halt: { type: 'string' },
  joblog: { type: 'string' },
  results: { type: 'string' },
  'dry-run': { type: 'boolean' },
  // -k as in GNU parallel.
  'keep-order': { type: 'boolean', short: 'k' },
  'resume-failed': { type: 'boolean' },
  delay: { type: 'string' },
  'max-load': { type: 'string' },
  'mem-free': { type: 'string' },
} satisfies ParseArgsConfig['options']

export const CONTROL_FLAGS = Object.keys(CONTROL_OPTIONS)

export const CONTROL_USAGE = `      --halt RULE            stop early: now|soon,fail|success|done=N or =P% (GNU parallel's --halt)
      --joblog FILE          write GNU parallel's joblog (- for standard output)
      --results DIR          each job's stdout, stderr, seq and result under DIR (GNU parallel's layout)
      --dry-run              print each job (shell jobs as command lines) and run nothing
      -k, --keep-order       --json lines in input order
      --resume-failed        like --resume, and run failed and timed-out jobs again too
      --delay MS             at least this long between two job starts (or 0.5s, 2m: GNU parallel's --delay)
      --max-load N           no new CPU job while the load is N or more (GNU parallel's --load)
      --mem-free SIZE        no new job while free memory is below SIZE (2G, 512M: GNU parallel's --memfree)`
