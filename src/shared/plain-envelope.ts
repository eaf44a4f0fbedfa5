// checkJobSpec's shortcut for the commonest job of all: a plain object with a kind, no params
// (or an empty object) and at most a name, a lane and an executor. `engine.run()` checks every
// job it is given, and for a round trip of a few tens of microseconds valibot's generic walk
// of the envelope was a visible share (about 5 µs a job while the engine's code is still
// warming up, 1–2 µs after). This builds the very object JobEnvelopeSchema would output; any
// input it is not sure of (other options, params with fields, odd prototypes, bad values)
// returns null and takes the schema, which also words the problems.

/** The envelope fields this shortcut judges itself; any other field present sends the input to the schema. */
const PLAIN_KEYS = new Set(['name', 'lane', 'executor', 'kind', 'params'])
/** Options it leaves to the schema (checked with `in`, as valibot reads them, inherited ones too). */
const OTHER_OPTIONS = ['priority', 'timeoutMs', 'retries', 'memoryMb', 'after'] as const
const LANES = new Set(['cpu', 'io'])
const EXECUTORS = new Set(['auto', 'thread', 'process'])
const MAX_NAME = 200

const isPlainEmpty = (value: object): boolean => {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false
  // Any enumerable key, own or inherited (as valibot's record and strictObject read them): not empty.
  let empty = true
  for (const key in value) {
    void key
    empty = false
    break
  }
  return empty
}

/**
 * The envelope JobEnvelopeSchema would give for `input` (same fields, same order, params a
 * fresh empty object), or null when the schema must judge it.
 */
export function plainEnvelope(input: unknown): Record<string, unknown> | null {
  if (input === null || typeof input !== 'object' || Object.getPrototypeOf(input) !== Object.prototype) return null
  // valibot's strictObject refuses any enumerable key it does not know, inherited ones included (for…in).
  for (const key in input) if (!PLAIN_KEYS.has(key)) return null
  // (Indexed: this runs for every job, and below V8's top tier for…of allocates per element.)
  for (let i = 0; i < OTHER_OPTIONS.length; i++) if (OTHER_OPTIONS[i]! in input) return null
  const spec = input as Record<string, unknown>
  if (!('name' in spec) && !('lane' in spec) && !('executor' in spec)) {
    // The commonest of all, a kind alone: made by one literal, which V8 learns to allocate in
    // the old generation when a big list's envelopes outlive collections (as job-record.ts).
    if (typeof spec.kind !== 'string' || !emptyOrAbsent(spec.params)) return null
    return { kind: spec.kind, params: {} }
  }
  // Field order as the schema writes them: its entries' order, a field only when `in` the input.
  const out: Record<string, unknown> = {}
  if ('name' in spec) {
    const name = spec.name
    if (name !== undefined && (typeof name !== 'string' || name.length > MAX_NAME)) return null
    out.name = name
  }
  if ('lane' in spec) {
    if (spec.lane !== undefined && !LANES.has(spec.lane as string)) return null
    out.lane = spec.lane
  }
  if ('executor' in spec) {
    if (spec.executor !== undefined && !EXECUTORS.has(spec.executor as string)) return null
    out.executor = spec.executor
  }
  if (typeof spec.kind !== 'string') return null
  out.kind = spec.kind
  if (!emptyOrAbsent(spec.params)) return null
  out.params = {}
  return out
}

/** Params the shortcut may take: none, or an empty plain object. */
function emptyOrAbsent(params: unknown): boolean {
  return params === undefined || (params !== null && typeof params === 'object' && isPlainEmpty(params))
}
