// The tails of job logs that agents ship back with each job's end, kept in the controller's
// own log folder (`<logDir>/<job id>.log`) so its job views and History read them as local.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export class ShippedLogs {
  private made: Promise<unknown> | null = null
  private readonly dir: string

  constructor(dir: string) {
    this.dir = dir
  }

  /** Writes the logs of the jobs in `ended` (a report also carries logs of jobs already settled). */
  async write(logs: readonly (readonly [number, string])[], ended: Set<number>): Promise<void> {
    this.made ??= mkdir(this.dir, { recursive: true })
    await this.made
    const kept = logs.filter(([id]) => ended.has(id))
    await Promise.all(kept.map(([id, text]) => writeFile(join(this.dir, `${id}.log`), text).catch(() => {})))
  }
}
