// The tails of job logs that agents ship back with each job's end, kept in the controller's
// own log folder (`<logDir>/<job id>.log`, and its stderr ranges sidecar beside it: see
// log-streams.ts) so its job views, History, `--results` and the joblog read them as local.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ShippedLog } from '../../shared/cluster.ts'
import { logFileName, stderrRangesPath } from '../engine/data-layout.ts'

/**
 * The sidecar's text for a shipped log: its stderr stretches (UTF-16 offsets in `text`, as
 * the agent sent them) as byte offsets of the text written as UTF-8.
 */
export function stderrSidecar(text: string, stderr: readonly number[]): string {
  let lines = ''
  let at = 0
  let bytes = 0
  for (let i = 0; i + 1 < stderr.length; i += 2) {
    bytes += Buffer.byteLength(text.slice(at, stderr[i]))
    const start = bytes
    bytes += Buffer.byteLength(text.slice(stderr[i], stderr[i + 1]))
    at = stderr[i + 1]!
    lines += `${start} ${bytes}\n`
  }
  return lines
}

export class ShippedLogs {
  private made: Promise<unknown> | null = null
  private readonly dir: string

  constructor(dir: string) {
    this.dir = dir
  }

  /**
   * Writes the logs of the jobs in `ended` (a report also carries logs of jobs already
   * settled). Never rejects: a log that cannot be written must not hold back its job's end.
   * Returns what went wrong (the first failure, and how many logs it cost), or null.
   */
  async write(logs: readonly ShippedLog[], ended: Set<number>): Promise<string | null> {
    const kept = logs.filter(([id]) => ended.has(id))
    if (kept.length === 0) return null
    try {
      this.made ??= mkdir(this.dir, { recursive: true })
      await this.made
    } catch (error) {
      this.made = null // tried again with the next report: the folder may be back
      return notKept(kept.length, error)
    }
    const failed = (await Promise.allSettled(kept.map((log) => this.writeOne(log)))).filter((r) => r.status === 'rejected')
    return failed.length ? notKept(failed.length, failed[0]!.reason) : null
  }

  private async writeOne([id, text, stderr = []]: ShippedLog): Promise<void> {
    const file = join(this.dir, logFileName(id))
    // A retry's log replaces the last attempt's whole, so does its sidecar (or none: all stdout).
    const sidecar = stderrRangesPath(file)
    await (stderr.length ? writeFile(sidecar, stderrSidecar(text, stderr)) : rm(sidecar, { force: true }))
    await writeFile(file, text)
  }
}

const notKept = (count: number, error: unknown): string => `${count} log(s) not kept: ${(error as Error).message}`
