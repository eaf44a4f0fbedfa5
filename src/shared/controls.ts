// The batch controls borrowed from GNU parallel, as fields of a batch file and of a submit
// command (the window's form). Each is also a `corelane run` flag (src/cli/controls/flags.ts);
// a flag given on the command line wins over the file. The README's "Batch controls" table
// lists them with their GNU parallel equivalents.
import * as v from 'valibot'
import { HaltSchema } from './halt.ts'

/** Controls that any submission carries, from a file, the CLI or the window. */
export const SUBMIT_CONTROL_ENTRIES = {
  halt: v.optional(HaltSchema),
}

/** Controls that only make sense where files are written: a batch file run by the CLI. */
export const BATCH_CONTROL_ENTRIES = {
  ...SUBMIT_CONTROL_ENTRIES,
  joblog: v.optional(
    v.pipe(v.string(), v.minLength(1), v.description("Write GNU parallel's joblog here (relative to where you run Corelane)")),
  ),
  results: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.description("Write each job's stdout, stderr, seq and result under this folder, in GNU parallel's --results layout"),
    ),
  ),
  keepOrder: v.optional(v.pipe(v.boolean(), v.description('--json lines in input order, not in the order jobs end'))),
}
