// Finding and ending the processes a job started, by the tag in their environment. Every job
// that can start programs (`shell`, `script`) runs with CORELANE_JOB_TAG=<run>.<job>.<attempt>
// in its environment, and every descendant inherits it, whatever group or session it moves to
// (setsid, `detached: true`, a double fork) and whoever its parent becomes: the one thing a
// process group cannot follow. Linux shows a process's environment at /proc/<pid>/environ
// (readable for our own processes only, which are the only ones we may end anyway). A process
// that empties or rewrites its environment before exec is not found; the README says so.
//
// The reads are asynchronous (Node's thread pool; no synchronous I/O on the engine's thread),
// and a scan runs only when a job was stopped or its worker lost, not per job: a pass over
// /proc reads each process's environment once (measured on the 2-core build machine, shared:
// 3-5 ms of process CPU for 100 processes, about 25 ms for 500).
import { readdir, readFile } from 'node:fs/promises'
import { GROUP_GRACE_MS, hasProc, processStat } from './process-groups.ts'

export const TAG_VARIABLE = 'CORELANE_JOB_TAG'

/** The tag of one attempt of a job, for the engine run `run`. */
export function jobTag(run: string, jobId: number, attempt: number): string {
  return `${run}.${jobId}.${attempt}`
}

const NEEDLE = Buffer.from(`${TAG_VARIABLE}=`)
/** Reads at once: enough to keep the thread pool busy, few enough to leave it to others too. */
const CONCURRENCY = 8
const POLL_MS = 25

/** The tag in an environment block (NUL-separated NAME=value entries), or null. */
export function tagIn(environ: Buffer): string | null {
  for (let at = environ.indexOf(NEEDLE); at !== -1; at = environ.indexOf(NEEDLE, at + 1)) {
    if (at > 0 && environ[at - 1] !== 0) continue // the end of another variable's name
    const start = at + NEEDLE.length
    const end = environ.indexOf(0, start)
    return environ.toString('utf8', start, end === -1 ? environ.length : end)
  }
  return null
}

interface Found {
  pid: number
  tag: string
  /** Its start time, so that a pid used again by a stranger is never signalled. */
  since: number
}

async function tagOf(pid: number): Promise<string | null> {
  try {
    return tagIn(await readFile(`/proc/${pid}/environ`))
  } catch {
    return null // gone, or not ours
  }
}

/** The live processes whose tag is one of `tags`. */
export async function findTagged(tags: ReadonlySet<string>): Promise<Found[]> {
  let names: string[]
  try {
    names = await readdir('/proc')
  } catch {
    return []
  }
  const pids = names.filter((name) => /^\d+$/.test(name)).map(Number)
  const found: Found[] = []
  let next = 0
  const work = async () => {
    while (next < pids.length) {
      const pid = pids[next++]!
      if (pid === process.pid) continue
      const tag = await tagOf(pid)
      if (tag === null || !tags.has(tag)) continue
      const stat = await processStat(pid)
      // Read again after the start time: the pid was still the tagged process when it was taken.
      if (stat && stat.state !== 'Z' && (await tagOf(pid)) === tag) found.push({ pid, tag, since: stat.since })
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, work))
  return found
}

async function stillThere(process: Found): Promise<boolean> {
  const stat = await processStat(process.pid)
  return stat !== null && stat.state !== 'Z' && stat.since === process.since
}

async function signalAll(found: Found[], signal: NodeJS.Signals, live: LiveTag): Promise<void> {
  for (const one of found) {
    if (!(await stillThere(one))) continue
    // Checked last, right before the signal: the job may have been handed out again meanwhile.
    if (live(one.tag)) continue
    try {
      process.kill(one.pid, signal)
    } catch {
      // Gone meanwhile.
    }
  }
}

async function waitGone(found: Found[], ms: number): Promise<Found[]> {
  const until = performance.now() + ms
  let left = found
  for (;;) {
    const alive = await Promise.all(left.map(stillThere))
    left = left.filter((_, i) => alive[i])
    if (left.length === 0 || performance.now() >= until) return left
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/**
 * Ends every process carrying one of `tags`: SIGTERM, then, after `graceMs` (or as soon as they
 * have all gone), a second look that SIGKILLs whatever carries the tags still (including
 * children the first ones started while they were ending). Resolves once they are gone or
 * `graceMs` after the SIGKILL at the latest. Without /proc (not Linux) it does nothing.
 */
export async function endTagged(
  tags: ReadonlySet<string>,
  graceMs = GROUP_GRACE_MS,
  live: LiveTag = () => false,
): Promise<number> {
  if (tags.size === 0 || !hasProc) return 0
  const found = await findTagged(tags)
  if (found.length === 0) return 0
  await signalAll(found, 'SIGTERM', live)
  await waitGone(found, graceMs)
  const left = await findTagged(tags)
  if (left.length > 0) {
    await signalAll(left, 'SIGKILL', live)
    await waitGone(left, graceMs)
  }
  return found.length
}

/**
 * Sweeps asked for while one runs are joined into the next, so ending many jobs at once (a
 * closing engine, a cancelled batch) scans /proc twice, not twice per job.
 */
/**
 * Whether a tag is in use again: a job given back (requeued below --mem-free's half) runs its
 * next hand-off under the same attempt, so the same tag, while the sweep of the one it left may
 * still be under way; its new processes must not be taken for the old ones' leftovers.
 */
export type LiveTag = (tag: string) => boolean

export class TagSweeper {
  private readonly live: LiveTag

  constructor(live: LiveTag = () => false) {
    this.live = live
  }

  private pending = new Set<string>()
  private queued: Promise<void> | null = null
  private tail: Promise<void> = Promise.resolve()

  sweep(tags: Iterable<string>): Promise<void> {
    for (const tag of tags) this.pending.add(tag)
    if (this.queued) return this.queued
    const run = this.tail.then(async () => {
      this.queued = null
      const batch = this.pending
      this.pending = new Set()
      await endTagged(batch, GROUP_GRACE_MS, this.live)
    })
    this.queued = run
    this.tail = run.catch(() => undefined)
    return run
  }
}
