// Disk usage of a folder: walks it with opendir (never following symlinks) and counts files,
// folders and apparent bytes (file sizes, as `du --apparent-size -b`, not allocated blocks).
import { lstat, opendir, stat } from 'node:fs/promises'
import type { Dirent } from 'node:fs'
import { join, resolve } from 'node:path'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { JobContext, KindRunner } from './context.ts'
import { formatBytes, progressGate } from './pace.ts'

// lstat calls in flight at once within one folder: enough to keep the disk and the thread
// pool busy without opening thousands of requests for a huge folder.
const STAT_BATCH = 32

interface Totals {
  files: number
  dirs: number
  bytes: number
  /** Entries that could not be read (permissions, vanished mid-walk); logged, not fatal. */
  skipped: number
}

async function readEntries(dir: string): Promise<Dirent[]> {
  const entries: Dirent[] = []
  // Read the whole folder, then close it before descending, so depth costs no open handles.
  for await (const entry of await opendir(dir, { bufferSize: 256 })) entries.push(entry)
  return entries
}

const problem = (err: unknown) => (err instanceof Error && 'code' in err ? String(err.code) : String(err))

/**
 * Counts everything under `dir`. `onChild` is called after each direct child of `dir`, which
 * gives the top level a real fraction: children done / children in the root.
 */
async function walk(
  dir: string,
  totals: Totals,
  ctx: JobContext,
  tick: () => void,
  onChild?: (done: number, of: number) => void,
) {
  throwIfAborted(ctx.signal)
  const entries = await readEntries(dir)
  const subdirs: string[] = []
  const others: string[] = []
  for (const entry of entries) (entry.isDirectory() ? subdirs : others).push(join(dir, entry.name))
  const of = entries.length
  let done = 0

  for (let i = 0; i < others.length; i += STAT_BATCH) {
    throwIfAborted(ctx.signal)
    const batch = others.slice(i, i + STAT_BATCH)
    const stats = await Promise.allSettled(batch.map((file) => lstat(file)))
    stats.forEach((result, k) => {
      if (result.status === 'fulfilled') {
        totals.files++
        totals.bytes += result.value.size
      } else {
        totals.skipped++
        ctx.log(`skipped ${batch[k]}: ${problem(result.reason)}`, 'stderr')
      }
    })
    done += batch.length
    onChild?.(done, of)
    tick()
  }

  for (const sub of subdirs) {
    totals.dirs++
    try {
      await walk(sub, totals, ctx, tick)
    } catch (err) {
      if (ctx.signal.aborted) throw err
      totals.skipped++
      ctx.log(`skipped ${sub}: ${problem(err)}`, 'stderr')
    }
    onChild?.(++done, of)
    tick()
  }
}

export const du: KindRunner<KindParams<'du'>> = async (params, ctx) => {
  throwIfAborted(ctx.signal)
  const path = resolve(params.path)
  // The root itself may be a symlink the user chose on purpose; inside it, links are not followed.
  const root = await stat(path)
  if (!root.isDirectory()) throw new Error(`not a folder: ${path}`)
  const totals: Totals = { files: 0, dirs: 0, bytes: 0, skipped: 0 }
  const report = progressGate(ctx, 100)
  let fraction = 0
  const tick = () => report(fraction, `${totals.files} files, ${totals.dirs} folders, ${formatBytes(totals.bytes)}`)
  await walk(path, totals, ctx, tick, (done, of) => {
    fraction = of > 0 ? done / of : 1
  })
  return { path, files: totals.files, dirs: totals.dirs, bytes: totals.bytes, skipped: totals.skipped }
}
