// The batch controls borrowed from GNU parallel, as fields of a batch file and of a submit
// command (the window's form). Each is also a `corelane run` flag (src/cli/controls/flags.ts);
// a flag given on the command line wins over the file. The README's "Batch controls" table
// lists them with their GNU parallel equivalents.
import * as v from 'valibot'
import { HaltSchema } from './halt.ts'
import { DURATION_MESSAGE, parseDuration, parseSize, SIZE_MESSAGE } from './size.ts'

/** Milliseconds as a number, or a string with GNU parallel's units (0.5s, 2m). */
export const DelaySchema = v.pipe(
  v.union([v.number(), v.string()]),
  v.check(
    (value) => (typeof value === 'number' ? value >= 0 && value <= 86_400_000 : parseDuration(value) !== null),
    DURATION_MESSAGE,
  ),
  v.description('Time between two job starts (GNU parallel --delay): milliseconds, or 0.5s, 2m'),
)

/** Bytes as a number, or a string with GNU parallel's prefixes (2G = 2 GiB, 2g = 2·10⁹). */
export const SizeSchema = v.pipe(
  v.union([v.number(), v.string()]),
  v.check((value) => (typeof value === 'number' ? value >= 0 : parseSize(value) !== null), SIZE_MESSAGE),
  v.description('No new job while free memory is below this (GNU parallel --memfree): bytes, or 512M, 2G'),
)

/** Controls that any submission carries, from a file, the CLI or the window. */
export const SUBMIT_CONTROL_ENTRIES = {
  halt: v.optional(HaltSchema),
  delay: v.optional(DelaySchema),
  maxLoad: v.optional(
    v.pipe(
      v.number(),
      v.minValue(0),
      v.maxValue(100_000),
      v.description('No new CPU job while the load is at or above this (GNU parallel --load)'),
    ),
  ),
  memFree: v.optional(SizeSchema),
}

/**
 * The window's --results folder: written by the engine's host on its own machine (in web mode
 * the server), whose working folder the window does not know, so it must be absolute.
 */
export const ResultsDirSchema = v.pipe(
  v.string(),
  v.minLength(1, 'is empty: give a folder'),
  v.maxLength(4096),
  v.check((dir) => !dir.includes('\0'), 'holds a NUL character'),
  v.check(
    (dir) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(dir),
    'must be an absolute folder path (e.g. /home/me/out) on the machine running the engine',
  ),
  v.description(
    "Write each job's stdout, stderr, seq and result under this folder (GNU parallel --results), on the machine running the engine",
  ),
)

/** Milliseconds and bytes from the fields as written. */
export function delayMs(value: number | string | undefined): number | undefined {
  return value === undefined ? undefined : typeof value === 'number' ? value : (parseDuration(value) ?? undefined)
}
export function memFreeBytes(value: number | string | undefined): number | undefined {
  return value === undefined ? undefined : typeof value === 'number' ? value : (parseSize(value) ?? undefined)
}

/** Controls that only make sense where files are written: a batch file run by the CLI. */
export const BATCH_CONTROL_ENTRIES = {
  ...SUBMIT_CONTROL_ENTRIES,
  joblog: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.description(
        "Write GNU parallel's joblog here (relative to where `corelane run` runs; in the desktop app, to the batch file's folder)",
      ),
    ),
  ),
  results: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.description(
        "Write each job's stdout, stderr, seq and result under this folder, in GNU parallel's --results layout (relative as joblog is)",
      ),
    ),
  ),
  keepOrder: v.optional(v.pipe(v.boolean(), v.description('--json lines in input order, not in the order jobs end'))),
}
