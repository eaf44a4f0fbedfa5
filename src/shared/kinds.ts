// The catalogue of job kinds: what each one is, which lane and executor it wants by default,
// and the schema of its params. The engine validates with these schemas, the renderer builds
// its form fields from them (through JSON Schema), and the CLI prints them for `kinds`.
import * as v from 'valibot'
import type { ExecutorType, Lane } from './job.ts'

const count = (what: string, max: number) =>
  v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(0), v.maxValue(max), v.description(what))
const positive = (what: string, max: number) =>
  v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1), v.maxValue(max), v.description(what))
const path = (what: string) => v.pipe(v.string(), v.minLength(1, `${what} must not be empty`), v.description(what))

export const kindParams = {
  noop: v.strictObject({}),
  'sum-squares': v.strictObject({
    n: count('Sum i*i for every i below n', 1e11),
  }),
  primes: v.strictObject({
    limit: count('Count the primes up to this number', 1e10),
  }),
  hash: v.pipe(
    v.strictObject({
      file: v.optional(path('File to hash')),
      mib: v.optional(positive('MiB of generated data to hash (instead of a file)', 65536)),
      rounds: v.optional(positive('Hash the data this many times', 1e6), 1),
      algorithm: v.optional(v.picklist(['sha256', 'sha512', 'sha1', 'md5']), 'sha256'),
    }),
    v.check((p) => (p.file === undefined) !== (p.mib === undefined), 'give exactly one of file or mib'),
  ),
  compress: v.strictObject({
    input: path('File to compress'),
    output: path('Where to write the compressed file'),
    format: v.optional(v.picklist(['gzip', 'brotli']), 'gzip'),
    level: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(11), v.description('Compression level')), 6),
  }),
  mandelbrot: v.strictObject({
    width: v.optional(positive('Tile width in pixels', 4096), 256),
    height: v.optional(positive('Tile height in pixels', 4096), 256),
    x: v.optional(v.pipe(v.number(), v.description('Centre, real part')), -0.5),
    y: v.optional(v.pipe(v.number(), v.description('Centre, imaginary part')), 0),
    scale: v.optional(v.pipe(v.number(), v.gtValue(0), v.description('Width of the tile in the complex plane')), 3),
    maxIter: v.optional(positive('Iteration limit per pixel', 100000), 500),
  }),
  sort: v.strictObject({
    n: positive('How many random numbers to sort', 1e8),
    seed: v.optional(v.pipe(v.number(), v.integer(), v.description('Random seed')), 1),
  }),
  sleep: v.strictObject({
    ms: count('Milliseconds to wait', 7 * 24 * 3600 * 1000),
  }),
  'http-get': v.strictObject({
    url: v.pipe(v.string(), v.url('url must be an absolute URL'), v.regex(/^https?:/i, 'url must be http or https'), v.description('Address to fetch')),
    saveTo: v.optional(path('Save the body to this file')),
  }),
  copy: v.strictObject({
    from: path('File to copy'),
    to: path('Destination file'),
  }),
  du: v.strictObject({
    path: path('Folder to walk'),
  }),
  shell: v.strictObject({
    argv: v.pipe(
      v.array(v.string()),
      v.minLength(1, 'argv needs at least the program name'),
      v.maxLength(10000),
      v.description('Program and arguments, no shell unless `shell` is true'),
    ),
    cwd: v.optional(path('Working directory')),
    env: v.optional(v.record(v.string(), v.string())),
    shell: v.optional(v.pipe(v.boolean(), v.description('Run through /bin/sh (enables pipes and globbing)')), false),
  }),
  script: v.strictObject({
    module: path('Path to a JS module whose default export is async (input, ctx)'),
    input: v.optional(v.unknown()),
  }),
  /** Allocates until stopped: used by tests and demos of memory limits. */
  'alloc-until-oom': v.strictObject({
    chunkMb: v.optional(positive('MiB allocated per step', 1024), 16),
  }),
} as const

export type KindName = keyof typeof kindParams
export type KindParams<K extends KindName> = v.InferOutput<(typeof kindParams)[K]>

export interface KindInfo {
  name: KindName
  title: string
  description: string
  lane: Lane
  executor: ExecutorType
  /** Shown in the UI and `kinds`; hidden kinds are for tests and demos. */
  hidden?: boolean
}

export const kindCatalog: Record<KindName, KindInfo> = {
  noop: { name: 'noop', title: 'No-op', description: 'Does nothing; measures scheduling overhead.', lane: 'cpu', executor: 'thread' },
  'sum-squares': {
    name: 'sum-squares',
    title: 'Sum of squares',
    description: 'Sum of i*i for i < n: the classic CPU-bound tutorial task.',
    lane: 'cpu',
    executor: 'thread',
  },
  primes: { name: 'primes', title: 'Count primes', description: 'Counts primes up to a limit with a segmented sieve.', lane: 'cpu', executor: 'thread' },
  hash: { name: 'hash', title: 'Hash', description: 'Hashes a file or generated data, over several rounds.', lane: 'cpu', executor: 'thread' },
  compress: { name: 'compress', title: 'Compress', description: 'Gzip or brotli a file to an output path.', lane: 'cpu', executor: 'thread' },
  mandelbrot: { name: 'mandelbrot', title: 'Mandelbrot tile', description: 'Renders a tile; returns its iteration counts.', lane: 'cpu', executor: 'thread' },
  sort: { name: 'sort', title: 'Sort', description: 'Sorts n seeded random numbers.', lane: 'cpu', executor: 'thread' },
  sleep: { name: 'sleep', title: 'Sleep', description: 'Waits; the pure I/O-bound job.', lane: 'io', executor: 'thread' },
  'http-get': { name: 'http-get', title: 'HTTP GET', description: 'Fetches a URL; reports status and bytes, optionally saves the body.', lane: 'io', executor: 'thread' },
  copy: { name: 'copy', title: 'Copy file', description: 'Copies a file, streaming.', lane: 'io', executor: 'thread' },
  du: { name: 'du', title: 'Disk usage', description: 'Walks a folder and counts files and bytes.', lane: 'io', executor: 'thread' },
  shell: { name: 'shell', title: 'Shell command', description: 'Runs a program; output goes to the job log.', lane: 'cpu', executor: 'process' },
  script: { name: 'script', title: 'User script', description: "Runs your module's default export with the input.", lane: 'cpu', executor: 'process' },
  'alloc-until-oom': {
    name: 'alloc-until-oom',
    title: 'Allocate until out of memory',
    description: 'Allocates without bound; shows memory limits at work.',
    lane: 'cpu',
    executor: 'thread',
    hidden: true,
  },
}

export const KIND_NAMES = Object.keys(kindParams) as KindName[]

export function isKindName(name: string): name is KindName {
  return Object.hasOwn(kindParams, name)
}
