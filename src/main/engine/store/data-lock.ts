// One engine per data folder: job ids come from the database, so two processes sharing a
// folder would hand out the same ids. A lock file names the owner (its pid and, on Linux,
// the process's start time, so a recycled pid is not taken for the owner); a lock left by a
// process that no longer exists (killed with -9, say) is taken over.
import { mkdir, open, readFile, rm, stat, access } from 'node:fs/promises'
import { constants } from 'node:fs'
import { lockPath } from '../data-layout.ts'

export class DataDirBusyError extends Error {
  readonly pid: number
  constructor(dir: string, pid: number) {
    super(
      `the data folder ${dir} is in use by another Corelane (pid ${pid}, named in ${lockPath(dir)}); pass a different --data-dir`,
    )
    this.name = 'DataDirBusyError'
    this.pid = pid
  }
}

/** A data folder that cannot be used at all: a file in its place, read-only, a lock that is not a file. */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DataDirError'
  }
}

interface LockOwner {
  pid: number
  /** /proc/<pid>/stat's start time (clock ticks since boot); null where unknown. */
  started: string | null
}

/** The start time of a process (Linux), which with its pid names it uniquely; null elsewhere or when it is gone. */
async function startTime(pid: number): Promise<string | null> {
  if (process.platform !== 'linux') return null
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether the lock's owner still runs: the pid exists and, where we can tell, it is the same process that wrote the lock. */
async function ownerRuns(owner: LockOwner): Promise<boolean> {
  if (!owner.pid || owner.pid === process.pid || !alive(owner.pid)) return false
  if (process.platform !== 'linux') return true
  const now = await startTime(owner.pid)
  if (owner.started !== null) return now === owner.started
  // An older lock (pid only): trust it only if that pid is a Node or Electron process.
  const command = await readFile(`/proc/${owner.pid}/cmdline`, 'utf8').catch(() => '')
  return /node|electron|corelane/i.test(command)
}

function parseOwner(text: string): LockOwner {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), started: null }
  try {
    const parsed = JSON.parse(trimmed) as { pid?: unknown; started?: unknown }
    return {
      pid: typeof parsed.pid === 'number' ? parsed.pid : 0,
      started: typeof parsed.started === 'string' ? parsed.started : null,
    }
  } catch {
    return { pid: 0, started: null }
  }
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code
}

/**
 * Makes sure the data folder exists and can be written, with a clear message when it cannot:
 * a file in its place, a read-only folder or disk, no permission.
 */
export async function prepareDataDir(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return null
    if (errnoOf(error) === 'ENOTDIR') throw new DataDirError(`the data folder ${dir} is inside a file, not a folder`)
    throw new DataDirError(`cannot use the data folder ${dir}: ${(error as Error).message}`)
  })
  if (info && !info.isDirectory()) throw new DataDirError(`the data folder ${dir} is a file, not a folder`)
  if (!info) {
    try {
      await mkdir(dir, { recursive: true })
    } catch (error) {
      const code = errnoOf(error)
      const why =
        code === 'ENOTDIR' || code === 'EEXIST'
          ? 'part of its path is a file'
          : code === 'EACCES' || code === 'EROFS'
            ? 'no permission to create it'
            : (error as Error).message
      throw new DataDirError(`cannot create the data folder ${dir}: ${why}`)
    }
  }
  try {
    await access(dir, constants.W_OK)
  } catch {
    throw new DataDirError(`the data folder ${dir} is read-only: Corelane needs to write its database, logs and lock there`)
  }
}

/** Takes the folder's lock; returns a function that releases it. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = lockPath(dir)
  const me = JSON.stringify({ pid: process.pid, started: await startTime(process.pid) })
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx')
      try {
        await handle.writeFile(me)
      } catch (error) {
        // A lock without its owner (the disk filled, say) would only confuse the next start.
        await handle.close()
        await rm(file, { force: true })
        throw new DataDirError(`cannot write the lock file ${file}: ${(error as Error).message}`)
      }
      await handle.close()
      return async () => {
        await rm(file, { force: true })
      }
    } catch (error) {
      if (error instanceof DataDirError) throw error
      const code = errnoOf(error)
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
        throw new DataDirError(`cannot create the lock file ${file}: the data folder is read-only`)
      }
      if (code !== 'EEXIST') throw new DataDirError(`cannot create the lock file ${file}: ${(error as Error).message}`)
      const info = await stat(file).catch(() => null)
      if (info && !info.isFile()) throw new DataDirError(`the lock file ${file} is not a file: remove it (no Corelane made it)`)
      const owner = parseOwner(await readFile(file, 'utf8').catch(() => ''))
      if (await ownerRuns(owner)) throw new DataDirBusyError(dir, owner.pid)
      await rm(file, { force: true })
    }
  }
  throw new DataDirError(`could not take the lock file ${file}: another process keeps creating it`)
}
