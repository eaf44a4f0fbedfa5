// The error for bad input from the user, in a file of its own so the CLI's entry can catch it
// without loading the batch-file reader (and valibot) for commands that do not need them.
import type { FieldProblem } from '../shared/validate.ts'

/** Bad input from the user: the CLI prints it without a stack trace and exits with 2. */
export class InputError extends Error {
  readonly problems: FieldProblem[]
  constructor(source: string, problems: FieldProblem[]) {
    super(`${source}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('\n  ')}`)
    this.name = 'InputError'
    this.problems = problems
  }
}
