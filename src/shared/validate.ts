// One way to validate anything that crosses a boundary, and one shape of error: every
// problem names its field (`jobs[3].params.n`) so users can fix their input. The error and
// the checks that need no schema live in field-problems.ts (re-exported here), which the
// store's thread uses without loading valibot.
import * as v from 'valibot'
import { joinPath, ValidationError, type FieldProblem } from './field-problems.ts'

export {
  freeFormProblem,
  isFreeFormClean,
  joinPath,
  MAX_NESTING,
  problemsText,
  ValidationError,
  type FieldProblem,
} from './field-problems.ts'

function issuePath(prefix: string, issue: v.BaseIssue<unknown>): string {
  let field = prefix
  for (const item of issue.path ?? []) {
    const key = item.key
    field = joinPath(field, typeof key === 'number' ? key : String(key))
  }
  return field
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  if (issue.received === 'undefined' && issue.kind === 'schema') return 'is required'
  if ((issue.type === 'strict_object' || issue.type === 'strict_tuple') && issue.expected === 'never') return 'unknown field'
  // A message we wrote ourselves reads better than the generic one.
  if (!issue.message.startsWith('Invalid ')) return issue.message
  if (issue.type === 'integer') return `must be a whole number (got ${issue.received})`
  if (issue.expected) return `expected ${issue.expected}, got ${issue.received}`
  return `invalid ${issue.type} (got ${issue.received})`
}

export function issuesToProblems(issues: readonly v.BaseIssue<unknown>[], prefix = ''): FieldProblem[] {
  const seen = new Set<string>()
  const problems: FieldProblem[] = []
  for (const issue of issues) {
    const field = issuePath(prefix, issue)
    const message = describeIssue(issue)
    const text = `${field}: ${message}`
    if (seen.has(text)) continue
    seen.add(text)
    problems.push({ field, message })
  }
  return problems
}

/** Parses `input` or throws a ValidationError whose fields start with `prefix`. */
export function parseOrThrow<S extends v.GenericSchema>(schema: S, input: unknown, prefix = ''): v.InferOutput<S> {
  const result = v.safeParse(schema, input)
  if (result.success) return result.output
  throw new ValidationError(issuesToProblems(result.issues, prefix))
}

export function safeParseProblems<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  prefix = '',
): { ok: true; value: v.InferOutput<S> } | { ok: false; problems: FieldProblem[] } {
  const result = v.safeParse(schema, input)
  if (result.success) return { ok: true, value: result.output }
  return { ok: false, problems: issuesToProblems(result.issues, prefix) }
}
