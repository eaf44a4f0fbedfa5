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

  /** Writes the logs of the jobs in `ended` (a report also carries logs of jobs already settled). */
  async write(logs: readonly ShippedLog[], ended: Set<number>): Promise<void> {
    this.made ??= mkdir(this.dir, { recursive: true })
    await this.made
    const kept = logs.filter(([id]) => ended.has(id))
    await Promise.all(kept.map((log) => this.writeOne(log).catch(() => {})))
  }

  private async writeOne([id, text, stderr = []]: ShippedLog): Promise<void> {
    const file = join(this.dir, logFileName(id))
    // A retry's log replaces the last attempt's whole, so does its sidecar (or none: all stdout).
    const sidecar = stderrRangesPath(file)
    await (stderr.length ? writeFile(sidecar, stderrSidecar(text, stderr)) : rm(sidecar, { force: true }))
    await writeFile(file, text)
  }
}
