// What the orphaned-command tests (engine and CLI) watch: whether a process still runs, and
// how many command process groups the engine has on record in its data folder.
import { readFileSync } from 'node:fs'
import { commandGroupsPath } from '../../src/main/engine/data-layout.ts'
import { until } from './fixture.ts'

/** Still running: in /proc and not a zombie (an ended process whose new parent has yet to reap it). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/**
 * Waits until the engine has `groups` command process groups (or `tags`: tagged jobs) on record in `dataDir` (it writes
 * the record within milliseconds of a command's start report): a worker killed before its
 * report arrives is the one window the README names as not covered.
 */
export async function recorded(dataDir: string, groups = 1, what: 'groups' | 'tags' = 'groups'): Promise<void> {
  const count = () => {
    try {
      const record = JSON.parse(readFileSync(commandGroupsPath(dataDir), 'utf8')) as Record<string, unknown[] | undefined>
      return record[what]?.length ?? 0
    } catch {
      return 0
    }
  }
  await until(() => count() >= groups, 15_000, `the ${what} on record`)
}
