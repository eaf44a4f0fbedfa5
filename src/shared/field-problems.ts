// The shape of an input's problem (the field it names and what is wrong there), and the checks
// that need no schema: kept apart from validate.ts (which re-exports them) so that code
// needing only these, such as the store's thread, does not load valibot, the largest module
// the CLI loads (measured: a thread importing it started several times slower).
export interface FieldProblem {
  field: string
  message: string
}

/** Problems as one line: "field: message; field: message" (a problem of the whole input by its message alone). */
export function problemsText(problems: readonly FieldProblem[]): string {
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')
}

export class ValidationError extends Error {
  readonly problems: FieldProblem[]
  constructor(problems: FieldProblem[]) {
    super(problemsText(problems))
    this.name = 'ValidationError'
    this.problems = problems
  }
}

export function joinPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return prefix ? `${prefix}.${key}` : key
  return `${prefix}[${JSON.stringify(key)}]`
}

/**
 * How deep a free-form value (job params, template inputs) may nest. Structured clone and
 * JSON.stringify recurse, so a value a few thousand levels deep overflows the stack wherever
 * it is copied (a worker channel, the store, a WebSocket frame); no job needs more than this.
 */
export const MAX_NESTING = 64

/**
 * The first problem in a free-form value, or null: nested deeper than MAX_NESTING, a
 * `__proto__` key (JSON.parse keeps it as a plain key, but copying it into an object would
 * set the prototype and drop it silently), or a number that is not finite (`1e309` parses
 * as Infinity, which JSON would write back as null). Iterative, so the check itself cannot
 * overflow the stack.
 */
export function freeFormProblem(value: unknown, field: string): FieldProblem | null {
  // Almost every value is fine: a recursive pass that allocates nothing says so (its depth is
  // bounded by MAX_NESTING, so it cannot overflow), and only a value it doubts is walked again
  // below, where the culprit's path is built.
  if (isFreeFormClean(value)) return null
  // Paths are built only for the culprit: each entry points to its parent.
  interface Entry {
    value: unknown
    depth: number
    key: string | number | null
    parent: Entry | null
  }
  const pathOf = (entry: Entry): string => {
    const keys: (string | number)[] = []
    for (let e: Entry | null = entry; e && e.key !== null; e = e.parent) keys.push(e.key)
    return keys.reverse().reduce<string>((path, key) => joinPath(path, key), field)
  }
  const stack: Entry[] = [{ value, depth: 0, key: null, parent: null }]
  while (stack.length) {
    const entry = stack.pop()!
    const current = entry.value
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return { field: pathOf(entry), message: `must be a finite number (got ${current})` }
      continue
    }
    if (current === null || typeof current !== 'object') continue
    if (entry.depth >= MAX_NESTING) return { field: pathOf(entry), message: `is nested deeper than ${MAX_NESTING} levels` }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], depth: entry.depth + 1, key: i, parent: entry })
      continue
    }
    for (const key of Object.keys(current)) {
      if (key === '__proto__') {
        return { field: pathOf({ value: null, depth: 0, key, parent: entry }), message: 'the key `__proto__` is not allowed' }
      }
      stack.push({ value: (current as Record<string, unknown>)[key], depth: entry.depth + 1, key, parent: entry })
    }
  }
  return null
}

/** True when `value` has none of freeFormProblem's problems (its quick pass, for callers that build the field only on a problem). */
export function isFreeFormClean(value: unknown): boolean {
  return freeFormOk(value, 0)
}

function freeFormOk(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value)
  if (value === null || typeof value !== 'object') return true
  if (depth >= MAX_NESTING) return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!freeFormOk(value[i], depth + 1)) return false
    return true
  }
  const keys = Object.keys(value)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (key === '__proto__' || !freeFormOk((value as Record<string, unknown>)[key], depth + 1)) return false
  }
  return true
}
