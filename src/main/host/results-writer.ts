// --results DIR: each job's output, sequence number and result in files, in GNU parallel's
// --results layouts:
//   DIR                 DIR/1/<input>/{stdout,stderr,seq} for a template over scalar inputs;
//                       DIR/<key>/<value>/... for object inputs (GNU parallel's --header :,
//                       keys sorted as it sorts headers); DIR/name/<job name>/... for a list
//                       of jobs or a count, which have no input
//   a name with {} or {#}, ending in /   that folder holds stdout, stderr and seq
//   a name with {} or {#}, not ending in /   the name is stdout; .err and .seq beside it
// Corelane adds `result.json` (or `<name>.result.json`): the job's result or error.
// Corelane keeps a job's stdout and stderr in one log and marks which bytes were stderr
// (log-streams.ts): `stdout` and `stderr` get their own bytes back from it. Values are written into paths as GNU parallel
// writes them (\ as \\, / as \_, tab as \t, NUL as \0); unlike it, an input of "", "." or ".."
// becomes '', \. or \.\. so that no input can name a folder outside DIR.
import { createWriteStream } from 'node:fs'
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import { splitLog } from '../engine/log-streams.ts'
import { dirname, join } from 'node:path'
import type { JobView } from '../../shared/job.ts'
import type { PlannedJob } from './job-plan.ts'

/** The longest file name most file systems take, in bytes. */
const MAX_NAME_BYTES = 255

export function pathSegment(value: string): string {
  if (value === '') return "''"
  if (value === '.' || value === '..') return value.replace(/\./g, '\\.')
  let out = value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\0/g, '\\0').replace(/\//g, '\\_')
  while (Buffer.byteLength(out) > MAX_NAME_BYTES) out = out.slice(0, -1)
  return out
}

const valueText = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : JSON.stringify(value)

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

export interface ResultFiles {
  stdout: string
  stderr: string
  seq: string
  result: string
}

/** Where one job's files go under the --results spec. */
export function resultFiles(spec: string, job: PlannedJob, name: string): ResultFiles {
  const input = job.input?.value
  if (spec.includes('{}') || spec.includes('{#}')) {
    const replaced = spec
      .split('{#}')
      .join(String(job.seq))
      .split('{}')
      .join(pathSegment(job.input ? valueText(input) : name))
    if (replaced.endsWith('/')) return inFolder(replaced)
    return { stdout: replaced, stderr: `${replaced}.err`, seq: `${replaced}.seq`, result: `${replaced}.result.json` }
  }
  let segments: string[]
  if (!job.input) segments = ['name', pathSegment(name)]
  else if (isRecord(input))
    segments = Object.keys(input)
      .sort()
      .flatMap((key) => [pathSegment(key), pathSegment(valueText(input[key]))])
  else segments = ['1', pathSegment(valueText(input))]
  return inFolder(join(spec, ...segments))
}

function inFolder(dir: string): ResultFiles {
  return { stdout: join(dir, 'stdout'), stderr: join(dir, 'stderr'), seq: join(dir, 'seq'), result: join(dir, 'result.json') }
}

/** The job's log split back into its stdout and stderr files (both empty when it printed nothing). */
async function writeStreams(logFile: string | null, files: ResultFiles): Promise<void> {
  // A job that printed nothing has no log file.
  const size = logFile
    ? await stat(logFile).then(
        (info) => info.size,
        () => 0,
      )
    : 0
  const stdout = createWriteStream(files.stdout)
  const stderr = createWriteStream(files.stderr)
  try {
    if (logFile && size > 0) await splitLog(logFile, size, stdout, stderr)
  } finally {
    stdout.end()
    stderr.end()
    await Promise.all([finished(stdout), finished(stderr)])
  }
}

/** Writes each job's files as it ends, one job at a time (in the order they ended). */
export class ResultsWriter {
  private readonly spec: string
  private tail: Promise<void> = Promise.resolve()
  readonly errors: string[] = []

  constructor(spec: string) {
    this.spec = spec
  }

  add(job: JobView, planned: PlannedJob): void {
    const files = resultFiles(this.spec, planned, job.name)
    this.tail = this.tail
      .then(() => this.write(job, planned, files))
      .catch((error: unknown) => {
        if (this.errors.length < 5) this.errors.push(`${files.stdout}: ${(error as Error).message}`)
      })
  }

  private async write(job: JobView, planned: PlannedJob, files: ResultFiles): Promise<void> {
    await mkdir(dirname(files.stdout), { recursive: true })
    await writeStreams(job.logFile, files)
    await writeFile(files.seq, String(planned.seq))
    const outcome =
      job.state === 'succeeded'
        ? { state: job.state, result: job.result ?? null }
        : { state: job.state, error: job.error ?? null }
    await writeFile(files.result, `${JSON.stringify(job.resultFile ? { ...outcome, resultFile: job.resultFile } : outcome)}\n`)
  }

  /** Resolves when every file so far is written. */
  async done(): Promise<void> {
    await this.tail
  }
}
