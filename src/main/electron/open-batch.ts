// Batch files handed to the app by the operating system: on the command line of the first
// start (`corelane-desktop batch.json`, or a file manager's "Open with"), on a second start
// (which the single-instance lock turns into the first instance's `second-instance` event,
// with that start's argv and working folder), and on macOS as `open-file`. Each is read,
// checked and submitted like any batch, with its batch controls (halt, delay, maxLoad, memFree,
// results, joblog) applied as the window's are; a bad one is reported with the field at fault. A
// template over a file of lines is streamed by the API host (submitLines): read as its jobs
// run, so a bad line later in the file stops the reading then, and is reported then.
import { isAbsolute, resolve } from 'node:path'
import type { DryRunResult } from '../../shared/contract.ts'
import type { ApiHost } from '../host/api-host.ts'
import { readBatchRequest } from '../host/batch-file-reader.ts'
import { dryRunLines } from '../host/dry-run.ts'
import { ValidationError } from '../../shared/validate.ts'

// `corelane run`'s control flags (src/cli/controls/flags.ts). On a desktop start the batch
// file's own fields set the controls; a flag there would be silently dropped, so a start that
// gives one opens nothing and says so. --dry-run is the exception: the app lists the jobs.
const RUN_CONTROL_FLAGS = [
  '--halt',
  '--joblog',
  '--results',
  '--keep-order',
  '-k',
  '--resume',
  '--resume-failed',
  '--delay',
  '--max-load',
  '--mem-free',
]

/** The .json files named on a command line (resolved against `cwd`); flags and the executable are not files. */
export function batchFilesInArgv(argv: readonly string[], cwd: string): string[] {
  return argv
    .slice(1)
    .filter((arg) => !arg.startsWith('-') && /\.json$/i.test(arg))
    .map((arg) => (isAbsolute(arg) ? arg : resolve(cwd, arg)))
}

/** What a start asks of the batch files it names: a dry run, and any `corelane run` flags it gave (refused). */
export function startFlags(argv: readonly string[]): { dryRun: boolean; runFlags: string[] } {
  const given = argv.slice(1).map((arg) => arg.split('=')[0]!)
  return { dryRun: given.includes('--dry-run'), runFlags: RUN_CONTROL_FLAGS.filter((flag) => given.includes(flag)) }
}

/** Why files named beside `corelane run` flags were not opened. */
export function refusedFlags(runFlags: readonly string[]): string {
  return (
    `${runFlags.join(', ')}: a flag of \`corelane run\`; the desktop app takes the batch controls from the batch file's ` +
    'fields (halt, delay, maxLoad, memFree, results, joblog), so nothing was submitted'
  )
}

export interface OpenedBatch {
  file: string
  batchId?: number
  /** How many jobs it holds (absent for a file of lines: known once it has been read). */
  jobs?: number
  /** Why the file was not submitted. */
  problem?: string
  /** A dry run's jobs (nothing was submitted). */
  dryRun?: DryRunResult
}

/**
 * Reads and submits each file, in order; never throws (each file's outcome is in the result).
 * `onStopped` hears of a streamed file whose reading a bad line stopped after it was submitted.
 */
export async function openBatchFiles(
  files: readonly string[],
  api: ApiHost,
  onStopped: (file: string, problem: string) => void = () => {},
  options: { dryRun?: boolean } = {},
): Promise<OpenedBatch[]> {
  const outcomes: OpenedBatch[] = []
  for (const file of files) {
    try {
      const read = await readBatchRequest(file)
      if (options.dryRun) {
        // The window's dry run (the host's dryRun command), and for lines the same listing read from the file.
        if ('lines' in read) outcomes.push({ file, dryRun: await dryRunLines(read.request, read.lines) })
        else {
          const response = await api.handle('dryRun', read.submit)
          if (response.ok) outcomes.push({ file, dryRun: response.value as DryRunResult })
          else outcomes.push({ file, problem: response.error.message })
        }
        continue
      }
      if ('lines' in read) {
        const { result, done } = await api.submitLines(read.request, read.lines, read.host)
        done.catch((error: unknown) => {
          // A bad line is the user's to fix; anything else (the engine closing under it) is the app's.
          if (error instanceof ValidationError) onStopped(file, error.message)
          else console.error(`corelane: reading ${file} failed`, error)
        })
        outcomes.push({ file, batchId: result.batchId })
        continue
      }
      const response = await api.submitOpened(read.submit, read.host)
      if (response.ok) {
        const value = response.value as { batchId: number; jobIds: number[]; streamed?: number }
        outcomes.push({ file, batchId: value.batchId, jobs: value.streamed ?? value.jobIds.length })
      } else outcomes.push({ file, problem: response.error.message })
    } catch (error) {
      outcomes.push({ file, problem: error instanceof ValidationError || error instanceof Error ? error.message : String(error) })
    }
  }
  return outcomes
}
