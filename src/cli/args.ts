// Command-line arguments: parsed by node:util's parseArgs, then checked with valibot like
// every other boundary, so a bad flag gets exit code 2 and a message naming the flag.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import * as v from 'valibot'
import { JOB_STATES } from '../shared/job.ts'
import { safeParseProblems } from '../shared/validate.ts'
import { InputError } from './input-error.ts'
import { CONTROL_FLAG_ENTRIES, CONTROL_OPTIONS } from './controls/flags.ts'

const wholeNumber = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number'), v.transform(Number), v.minValue(min), v.maxValue(max))

export const RunFlagsSchema = v.object({
  'cpu-slots': v.optional(wholeNumber(1, 1024)),
  'io-concurrency': v.optional(wholeNumber(1, 100_000)),
  executor: v.optional(v.picklist(['thread', 'process', 'auto'], 'must be thread, process or auto')),
  'data-dir': v.optional(v.pipe(v.string(), v.minLength(1))),
  json: v.optional(v.boolean(), false),
  pin: v.optional(v.boolean(), false),
  quiet: v.optional(v.boolean(), false),
  resume: v.optional(v.boolean(), false),
  'reset-db': v.optional(v.boolean(), false),
  ...CONTROL_FLAG_ENTRIES,
  /** A cluster's Redis (also CORELANE_REDIS_URL): the engine also hands jobs to its agents. */
  redis: v.optional(v.pipe(v.string(), v.minLength(1))),
})
export type RunFlags = v.InferOutput<typeof RunFlagsSchema>

export const ServeFlagsSchema = v.object({
  port: v.optional(wholeNumber(0, 65535), '0'),
  host: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
  'cpu-slots': v.optional(wholeNumber(1, 1024)),
  'io-concurrency': v.optional(wholeNumber(1, 100_000)),
  'data-dir': v.optional(v.pipe(v.string(), v.minLength(1))),
  // Checked for length and randomness in serve-token.ts, wherever it comes from.
  token: v.optional(v.string()),
  'token-file': v.optional(v.pipe(v.string(), v.minLength(1))),
  'reset-db': v.optional(v.boolean(), false),
  /** Run on a cluster too, and follow its agents (the Machines view). */
  redis: v.optional(v.pipe(v.string(), v.regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'))),
})
export type ServeFlags = v.InferOutput<typeof ServeFlagsSchema>

const redisUrl = v.pipe(v.string(), v.regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'))
const agentName = v.pipe(v.string(), v.regex(/^[\w.@-]{1,120}$/, 'letters, digits, . _ - @ only (at most 120)'))
const ms = (min: number) => v.optional(wholeNumber(min, 3_600_000))

export const AgentFlagsSchema = v.object({
  redis: redisUrl,
  name: v.optional(agentName),
  'cpu-slots': v.optional(wholeNumber(1, 1024)),
  'io-concurrency': v.optional(wholeNumber(1, 100_000)),
  'data-dir': v.optional(v.pipe(v.string(), v.minLength(1))),
  'allow-shell': v.optional(v.boolean(), false),
  'allow-script': v.optional(v.boolean(), false),
  'lock-ms': ms(500),
  'stalled-ms': ms(200),
  'drain-ms': ms(0),
})
export type AgentFlags = v.InferOutput<typeof AgentFlagsSchema>

export const AgentsFlagsSchema = v.object({
  redis: redisUrl,
  json: v.optional(v.boolean(), false),
  /** With --cpu-slots / --io-concurrency: change them on this agent only (default: every agent). */
  name: v.optional(agentName),
  'cpu-slots': v.optional(wholeNumber(1, 1024)),
  'io-concurrency': v.optional(wholeNumber(1, 100_000)),
})

export const HistoryFlagsSchema = v.object({
  state: v.optional(v.picklist(JOB_STATES, `must be one of ${JOB_STATES.join(', ')}`)),
  kind: v.optional(v.pipe(v.string(), v.minLength(1))),
  batch: v.optional(wholeNumber(1, Number.MAX_SAFE_INTEGER)),
  text: v.optional(v.pipe(v.string(), v.maxLength(200))),
  limit: v.optional(wholeNumber(1, 1_000_000), '100'),
  offset: v.optional(wholeNumber(0, Number.MAX_SAFE_INTEGER), '0'),
  format: v.optional(v.picklist(['table', 'json', 'csv', 'joblog'], 'must be table, json, csv or joblog'), 'table'),
  'data-dir': v.optional(v.pipe(v.string(), v.minLength(1))),
})
export type HistoryFlags = v.InferOutput<typeof HistoryFlagsSchema>

export const LabFlagsSchema = v.object({
  pool: v.optional(wholeNumber(1, 64)),
  quick: v.optional(v.boolean(), false),
  python: v.optional(v.boolean(), false),
  json: v.optional(v.boolean(), false),
  csv: v.optional(v.boolean(), false),
  'data-dir': v.optional(v.pipe(v.string(), v.minLength(1))),
})
export type LabFlags = v.InferOutput<typeof LabFlagsSchema>

const options = {
  'cpu-slots': { type: 'string' },
  'io-concurrency': { type: 'string' },
  executor: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  pin: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  resume: { type: 'boolean' },
  'reset-db': { type: 'boolean' },
  state: { type: 'string' },
  kind: { type: 'string' },
  batch: { type: 'string' },
  text: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  format: { type: 'string' },
  pool: { type: 'string' },
  quick: { type: 'boolean' },
  python: { type: 'boolean' },
  csv: { type: 'boolean' },
  interval: { type: 'string' },
  count: { type: 'string' },
  recording: { type: 'string' },
  redis: { type: 'string' },
  'redis-ca': { type: 'string' },
  name: { type: 'string' },
  'allow-shell': { type: 'boolean' },
  'allow-script': { type: 'boolean' },
  'lock-ms': { type: 'string' },
  'stalled-ms': { type: 'string' },
  'drain-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...CONTROL_OPTIONS,
} satisfies ParseArgsConfig['options']

export interface ParsedCommandLine {
  command: string | undefined
  positionals: string[]
  values: Record<string, unknown>
}

export function parseCommandLine(argv: string[]): ParsedCommandLine {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
    return { command: positionals[0], positionals: positionals.slice(1), values }
  } catch (error) {
    // parseArgs names the flag in its message ("Unknown option '--x'").
    throw new InputError('arguments', [{ field: '', message: (error as Error).message.replace(/\. To specify.*$/s, '') }])
  }
}

/** Checks the flags a command accepts; anything else is refused by name. */
export function checkFlags<S extends v.GenericSchema>(
  schema: S,
  values: Record<string, unknown>,
  allowed: string[],
): v.InferOutput<S> {
  const unexpected = Object.keys(values).filter((key) => !allowed.includes(key) && key !== 'help')
  if (unexpected.length) {
    throw new InputError(
      'arguments',
      unexpected.map((key) => ({ field: `--${key}`, message: 'not accepted by this command' })),
    )
  }
  const parsed = safeParseProblems(schema, values)
  if (!parsed.ok)
    throw new InputError(
      'arguments',
      parsed.problems.map((p) => ({ ...p, field: `--${p.field}` })),
    )
  return parsed.value
}
