// Where jobs run: on Linux each worker's kernel thread is read from /proc/<pid>/task/<tid>/stat
// (field 39: the CPU it last ran on; fields 14 and 15: user and system time), and workers
// can be pinned to a core with taskset. Elsewhere these report themselves unavailable.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { availableParallelism, platform } from 'node:os'

export const placementSupported = platform() === 'linux'
export const placementNote = placementSupported
  ? null
  : 'Per-job core placement and pinning are Linux-only (they read /proc and use taskset).'

/** Clock ticks per second for /proc times; 100 on every mainstream Linux build. */
const CLK_TCK = 100

export interface ThreadStat {
  /** The CPU the thread last ran on. */
  core: number
  /** User plus system CPU time, in milliseconds. */
  cpuTimeMs: number
}

/** Parses one /proc/<pid>/task/<tid>/stat line. The command name may hold spaces and parentheses. */
export function parseThreadStat(text: string): ThreadStat | null {
  const close = text.lastIndexOf(')')
  if (close < 0) return null
  // Fields after the name start at field 3 (state).
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ')
  const utime = Number(fields[14 - 3])
  const stime = Number(fields[15 - 3])
  const core = Number(fields[39 - 3])
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isInteger(core)) return null
  return { core, cpuTimeMs: ((utime + stime) * 1000) / CLK_TCK }
}

export async function readThreadStat(pid: number, tid: number): Promise<ThreadStat | null> {
  if (!placementSupported) return null
  try {
    return parseThreadStat(await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8'))
  } catch {
    return null
  }
}

/**
 * Pins one kernel thread to one core, or lets it run on every core again ('all').
 * Resolves to an error message, or null on success.
 */
export function pinThread(tid: number, core: number | 'all'): Promise<string | null> {
  if (!placementSupported) return Promise.resolve(placementNote)
  const cores = core === 'all' ? `0-${availableParallelism() - 1}` : String(core)
  return new Promise((resolve) => {
    execFile('taskset', ['-p', '-c', cores, String(tid)], (error, _stdout, stderr) => {
      resolve(error ? `taskset failed: ${stderr.trim() || error.message}` : null)
    })
  })
}
