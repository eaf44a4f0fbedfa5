// Reads a kind's params JSON Schema (as the snapshot sends it) into form field descriptions,
// and converts between the form's text values and the params object a job carries.
import { INPUT_PLACEHOLDER } from '../../../shared/schemas.ts'
import type { FieldProblem } from '../../../shared/validate.ts'
import { argvProblem, joinArgv, splitArgv } from './argv.ts'

export type FieldKind = 'integer' | 'number' | 'string' | 'boolean' | 'enum' | 'argv' | 'key-value' | 'json'

export interface FieldSpec {
  key: string
  label: string
  kind: FieldKind
  required: boolean
  description: string | null
  min: number | null
  max: number | null
  /** Exclusive bounds are shown as hints; the shared schema check enforces them. */
  exclusiveMin: number | null
  step: number | 'any'
  options: string[]
  defaultValue: unknown
  /** `uri` for URLs: rendered as a url input. */
  format: string | null
}

/** What the form holds per field: text for everything but checkboxes. */
export type FieldValue = string | boolean

type JsonSchema = Record<string, unknown>

const isRecord = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value)
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)

/** Words a label keeps as they are written: units and acronyms ("MiB", not "Mib"). */
const KEPT_WORDS: Record<string, string> = {
  mib: 'MiB',
  kib: 'KiB',
  gib: 'GiB',
  mb: 'MB',
  ms: 'ms',
  url: 'URL',
  cwd: 'cwd',
  argv: 'argv',
}

export function labelFor(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .toLowerCase()
    .split(' ')
    .map((word) => KEPT_WORDS[word] ?? word)
  const first = words[0] ?? ''
  if (!KEPT_WORDS[first.toLowerCase()]) words[0] = first.charAt(0).toUpperCase() + first.slice(1)
  return words.join(' ')
}

function kindOf(schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum)) return 'enum'
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type
  if (type === 'integer') return 'integer'
  if (type === 'number') return 'number'
  if (type === 'string') return 'string'
  if (type === 'boolean') return 'boolean'
  if (type === 'array' && isRecord(schema.items) && schema.items.type === 'string') return 'argv'
  if (type === 'object' && isRecord(schema.additionalProperties) && schema.additionalProperties.type === 'string') {
    return 'key-value'
  }
  return 'json'
}

export function fieldsFromSchema(schema: JsonSchema | null | undefined): FieldSpec[] {
  if (!schema || !isRecord(schema.properties)) return []
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : [])
  return Object.entries(schema.properties).map(([key, raw]): FieldSpec => {
    const prop = isRecord(raw) ? raw : {}
    const kind = kindOf(prop)
    return {
      key,
      label: labelFor(key),
      kind,
      required: required.has(key),
      description: typeof prop.description === 'string' ? prop.description : null,
      min: num(prop.minimum),
      max: num(prop.maximum),
      exclusiveMin: num(prop.exclusiveMinimum),
      step: kind === 'integer' ? 1 : 'any',
      options: Array.isArray(prop.enum) ? prop.enum.map(String) : [],
      defaultValue: prop.default,
      format: typeof prop.format === 'string' ? prop.format : null,
    }
  })
}

/** A field's initial form value: empty (the engine applies defaults) but checkboxes show theirs. */
export function emptyValue(field: FieldSpec): FieldValue {
  return field.kind === 'boolean' ? field.defaultValue === true : ''
}

export function initialValues(fields: readonly FieldSpec[]): Record<string, FieldValue> {
  return Object.fromEntries(fields.map((f) => [f.key, emptyValue(f)]))
}

/** Placeholder text showing the default the engine will use when the field is left empty. */
export function placeholderFor(field: FieldSpec, withInputs: boolean): string {
  const parts: string[] = []
  if (field.defaultValue !== undefined && field.kind !== 'boolean') parts.push(`default ${String(field.defaultValue)}`)
  if (field.kind === 'argv') parts.push('program arg1 "arg with spaces"')
  if (field.kind === 'key-value') parts.push('KEY=value, one per line')
  if (withInputs && field.kind !== 'boolean' && field.kind !== 'enum') parts.push(`${INPUT_PLACEHOLDER} = the input`)
  return parts.join(' · ')
}

function parseKeyValue(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue
    const eq = line.indexOf('=')
    if (eq < 0) out[line.trim()] = ''
    else out[line.slice(0, eq).trim()] = line.slice(eq + 1)
  }
  return out
}

/**
 * Builds params from form values. Empty fields are left out so the kind's defaults apply;
 * with `withInputs`, a value of exactly `{}` is kept for the engine to replace per input.
 */
export function valuesToParams(
  fields: readonly FieldSpec[],
  values: Record<string, FieldValue>,
  withInputs: boolean,
  prefix = 'params',
): { params: Record<string, unknown>; problems: FieldProblem[] } {
  const params: Record<string, unknown> = {}
  const problems: FieldProblem[] = []
  for (const field of fields) {
    const value = values[field.key] ?? emptyValue(field)
    if (field.kind === 'boolean') {
      if (value !== (field.defaultValue === true) || field.required) params[field.key] = value === true
      continue
    }
    const text = String(value)
    if (text.trim() === '') continue
    if (withInputs && text.trim() === INPUT_PLACEHOLDER) {
      params[field.key] = INPUT_PLACEHOLDER
      continue
    }
    switch (field.kind) {
      case 'integer':
      case 'number': {
        const n = Number(text.trim())
        if (Number.isFinite(n)) params[field.key] = n
        else problems.push({ field: `${prefix}.${field.key}`, message: `must be a number (got "${text.trim()}")` })
        break
      }
      case 'argv': {
        const problem = argvProblem(text)
        if (problem) problems.push({ field: `${prefix}.${field.key}`, message: `${field.label} ${problem}` })
        else params[field.key] = splitArgv(text)
        break
      }
      case 'key-value':
        params[field.key] = parseKeyValue(text)
        break
      case 'json':
        try {
          params[field.key] = JSON.parse(text) as unknown
        } catch {
          // Guessing "it was meant as a string" would hide typos in objects and lists.
          problems.push({
            field: `${prefix}.${field.key}`,
            message: `${field.label} must be JSON: a number, true/false, "text in double quotes", [a list] or {"an": "object"}`,
          })
        }
        break
      default:
        params[field.key] = text
    }
  }
  return { params, problems }
}

/** The inverse of valuesToParams, used to load presets into the form. */
export function paramsToValues(fields: readonly FieldSpec[], params: Record<string, unknown>): Record<string, FieldValue> {
  const values = initialValues(fields)
  for (const field of fields) {
    const value = params[field.key]
    if (value === undefined) continue
    if (field.kind === 'boolean') values[field.key] = value === true
    else if (field.kind === 'argv' && Array.isArray(value)) values[field.key] = joinArgv(value.map(String))
    else if (field.kind === 'key-value' && typeof value === 'object' && value !== null) {
      values[field.key] = Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join('\n')
    } else if (field.kind === 'json') values[field.key] = typeof value === 'string' ? value : JSON.stringify(value)
    else values[field.key] = String(value)
  }
  return values
}
