// One way to validate anything that crosses a boundary, and one shape of error: every
// problem names its field (`jobs[3].params.n`) so users can fix their input.
import * as v from 'valibot'

export interface FieldProblem {
  field: string
  message: string
}

export class ValidationError extends Error {
  readonly problems: FieldProblem[]
  constructor(problems: FieldProblem[]) {
    super(problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '))
    this.name = 'ValidationError'
    this.problems = problems
  }
}

export function joinPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return prefix ? `${prefix}.${key}` : key
  return `${prefix}[${JSON.stringify(key)}]`
}

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
