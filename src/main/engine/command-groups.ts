// The process groups of every command the engine's workers have running, kept by the engine
// (not only by the worker that started them, which may be gone before it can clean up): each
// worker reports a command's group as it starts (EV_COMMAND) and forgets it when it ends. When
// a worker ends, whatever ended it, its groups are ended before its jobs are put back or
// retried, so a job never runs twice at once; closing the engine ends them all.
//
// They are also kept on disk, in `command-groups.json` in the data folder (data-layout.ts), so
// that after a kill -9 of Corelane itself the next start ends the commands the last run left
// behind (`endLeftoverGroups`, before interrupted jobs are requeued). A small file of its own
// rather than the job database: it must be current within milliseconds of a command's start. It is
// rewritten in place through one open handle (off the engine's thread): writing a new file
// then renaming it cost four file operations each time (measured: 0.6 ms of the engine
// process's CPU per shell job). A short job changes it twice or four times (its tag, maybe its
// group, then both again), so the changes of WRITE_DELAY_MS go into one write: a stream of
// short shell jobs on two slots changed it every half millisecond or so, one write each
// (measured, the engine's CPU per shell job with 10 ms: 0.76× of that with 2 ms).
// The record matters once both the engine and the worker are gone: a process worker ends its
// own commands when the engine's channel closes, and a job's tag is on record within
// WRITE_DELAY_MS of its hand-off, before its command can have done much.
//
// Groups miss what leaves them: a child that starts a session or group of its own, the
// children of a thread script (they are the engine's own), a command killed before its report
// came. So each job that can start programs also carries a tag in its environment
// (tagged-processes.ts), known to the engine from the moment it hands the job over: the tags of
// the jobs an executor holds are swept with its groups, a stopped job's tag (timed out,
// cancelled) when it leaves its executor, and the file keeps them for the next start too.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises'
import { commandGroupsPath } from './data-layout.ts'
import { endGroups, type GroupRef } from './process-groups.ts'
import { endTagged, jobTag, TagSweeper } from './tagged-processes.ts'

const isPid = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 1
const isTicks = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0
/** A record this much shorter than the file is cut to its length (after the padded write) rather than padded on. */
const SHRINK_BYTES = 4096
/** How long after a change the record is written, taking in the changes made meanwhile. */
export const WRITE_DELAY_MS = 10
const TAG_SHAPE = /^[0-9a-f]{12}\.\d+\.\d+$/

/** The kinds whose jobs can start programs: only these are tagged and swept. */
export const SPAWNING_KINDS: ReadonlySet<string> = new Set(['shell', 'script'])

export class CommandGroups<Owner> {
  /** This engine's part of every tag, so a tag from an earlier run is never taken for one of this run's. */
  readonly run = randomBytes(6).toString('hex')
  private readonly byOwner = new Map<Owner, Map<number, GroupRef>>()
  /** The tagged jobs each executor holds: job id → attempt. */
  private readonly tagsByOwner = new Map<Owner, Map<number, number>>()
  // A sweep never ends a job's new hand-off under the same tag: asked right before each signal,
  // over the jobs handed out now (a few per worker).
  private readonly sweeper = new TagSweeper((tag) => this.handedOut(tag))
  private readonly ending = new Set<Promise<void>>()
  private readonly file: string | null
  private writing: Promise<void> = Promise.resolve()
  private writeQueued = false
  private handle: FileHandle | null = null
  /** The file's length: a shorter record is padded to it. */
  private length = 0
  /** Records written so far (what the coalescing of changes is judged by). */
  writes = 0
  /** endAll has begun: the last records are written without the delay. */
  private closing = false
  /** Ends the delay a write is waiting out, if one is. */
  private endDelay: (() => void) | null = null

  /** `dataDir` null: kept in memory only. */
  constructor(dataDir: string | null) {
    this.file = dataDir === null ? null : commandGroupsPath(dataDir)
  }

  /** A command of `owner` started: its group (fields as they travelled, checked here). */
  started(owner: Owner, pgid: unknown, since: unknown): void {
    if (!isPid(pgid) || !isTicks(since)) return
    let groups = this.byOwner.get(owner)
    if (!groups) this.byOwner.set(owner, (groups = new Map()))
    groups.set(pgid, { pgid, since })
    this.save()
  }

  /** The command leading `pgid` has ended. */
  ended(owner: Owner, pgid: unknown): void {
    const groups = this.byOwner.get(owner)
    if (!groups || !groups.delete(pgid as number)) return
    if (groups.size === 0) this.byOwner.delete(owner)
    this.save()
  }

  /** A job that can start programs was handed to `owner` (a local worker) for its `attempt`. */
  tagged(owner: Owner, jobId: number, attempt: number): void {
    let tags = this.tagsByOwner.get(owner)
    if (!tags) this.tagsByOwner.set(owner, (tags = new Map()))
    tags.set(jobId, attempt)
    this.save()
  }

  /**
   * The job left `owner`. `stopped`: it was timed out or cancelled, so whatever it started and
   * left running is ended; a job that ended by itself keeps what it left (as `nohup … &` intends).
   */
  untagged(owner: Owner, jobId: number, stopped: boolean): void {
    const tags = this.tagsByOwner.get(owner)
    const attempt = tags?.get(jobId)
    if (attempt === undefined) return
    tags!.delete(jobId)
    if (tags!.size === 0) this.tagsByOwner.delete(owner)
    if (stopped) void this.track(this.sweeper.sweep([jobTag(this.run, jobId, attempt)]))
    this.save()
  }

  /** Whether `tag` belongs to a job handed out now. */
  private handedOut(tag: string): boolean {
    for (const tags of this.tagsByOwner.values()) {
      for (const [jobId, attempt] of tags) if (jobTag(this.run, jobId, attempt) === tag) return true
    }
    return false
  }

  /** Whether `owner` has groups or tagged jobs left to end. */
  holds(owner: Owner): boolean {
    return this.byOwner.has(owner) || this.tagsByOwner.has(owner)
  }

  /** `owner` has gone: ends its groups and its jobs' tagged processes (SIGTERM, SIGKILL after the grace) and forgets them. */
  endOf(owner: Owner): Promise<void> {
    const groups = this.byOwner.get(owner)
    const tags = this.tagsByOwner.get(owner)
    if (!groups && !tags) return Promise.resolve()
    this.byOwner.delete(owner)
    this.tagsByOwner.delete(owner)
    const ending = Promise.all([
      groups ? endGroups([...groups.values()]) : undefined,
      tags ? this.sweeper.sweep([...tags].map(([jobId, attempt]) => jobTag(this.run, jobId, attempt))) : undefined,
    ])
    return this.track(ending.then(() => this.save()))
  }

  /** Ends every group and tagged job still held, and waits for every ending under way (engine close). */
  async endAll(): Promise<void> {
    // Nothing more will come to wait for (a one-job `corelane run` waits on these writes).
    this.closing = true
    this.endDelay?.()
    for (const owner of new Set([...this.byOwner.keys(), ...this.tagsByOwner.keys()])) void this.endOf(owner)
    await Promise.all(this.ending)
    await this.writing
    const handle = this.handle
    this.handle = null
    await handle?.close().catch(() => undefined)
  }

  private track(ending: Promise<void>): Promise<void> {
    this.ending.add(ending)
    void ending.finally(() => this.ending.delete(ending))
    return ending
  }

  /** WRITE_DELAY_MS, or less if endAll begins meanwhile. */
  private delay(): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined
      const done = () => {
        clearTimeout(timer)
        this.endDelay = null
        resolve()
      }
      timer = setTimeout(done, WRITE_DELAY_MS)
      this.endDelay = done
    })
  }

  /** Writes the current groups, one write at a time; changes during a write are written after it. */
  private save(): void {
    if (this.file === null || this.writeQueued) return
    this.writeQueued = true
    const file = this.file
    this.writing = this.writing.then(async () => {
      if (!this.closing) await this.delay()
      this.writeQueued = false
      const groups = [...this.byOwner.values()].flatMap((map) => [...map.values()])
      const tags = [...this.tagsByOwner.values()].flatMap((map) =>
        [...map].map(([jobId, attempt]) => jobTag(this.run, jobId, attempt)),
      )
      try {
        this.writes++
        await this.overwrite(file, JSON.stringify({ groups, tags }))
      } catch {
        // Best effort: a data folder that cannot be written is reported by the job store.
        const handle = this.handle
        this.handle = null
        await handle?.close().catch(() => undefined)
      }
    })
  }

  /**
   * Writes `text` over the file's start, padded with spaces (which JSON allows) to the file's
   * length, so the file holds a whole record before and after every write: a kill -9 cannot
   * stop a write half-way (the kernel completes it), and a power cut ends the commands too.
   * Opened without truncating, for the same reason; cut back to the record after its write
   * once it is much shorter than the file.
   */
  private async overwrite(file: string, text: string): Promise<void> {
    if (!this.handle) {
      this.handle = await open(file, constants.O_WRONLY | constants.O_CREAT)
      this.length = (await this.handle.stat()).size
    }
    const record = Buffer.from(text)
    const padded = record.length >= this.length ? record : Buffer.concat([record, Buffer.alloc(this.length - record.length, ' ')])
    // A short write (a full disk) is carried on from where it stopped, or throws.
    for (let done = 0; done < padded.length;)
      done += (await this.handle.write(padded, done, padded.length - done, done)).bytesWritten
    this.length = padded.length
    if (this.length - record.length > SHRINK_BYTES) {
      await this.handle.truncate(record.length)
      this.length = record.length
    }
  }
}

/**
 * Ends the commands an earlier run of Corelane recorded in `dataDir` and left running (it was
 * killed before it could end them), then clears the record. Call before anything is requeued.
 */
export async function endLeftoverGroups(dataDir: string): Promise<number> {
  const file = commandGroupsPath(dataDir)
  let groups: GroupRef[]
  let tags: string[]
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { groups?: unknown; tags?: unknown }
    // A tag names one attempt of one job of that run: no pid in it that could have been used again.
    tags = Array.isArray(parsed.tags)
      ? parsed.tags.filter((tag): tag is string => typeof tag === 'string' && TAG_SHAPE.test(tag))
      : []
    groups = Array.isArray(parsed.groups)
      ? parsed.groups.filter(
          (group): group is GroupRef =>
            typeof group === 'object' && group !== null && isPid((group as GroupRef).pgid) && isTicks((group as GroupRef).since),
        )
      : []
  } catch {
    return 0 // none recorded (or unreadable: nothing that can be trusted to signal)
  }
  // Only groups whose leader is verifiably the recorded process (Linux /proc), or whose
  // leader is gone while members remain: the record may be old, and its pids used again.
  if (groups.length === 0 && tags.length === 0) return 0 // nothing to clear (the usual start): no write
  await Promise.all([endGroups(groups, true), endTagged(new Set(tags))])
  await writeFile(file, JSON.stringify({ groups: [], tags: [] })).catch(() => undefined)
  return groups.length + tags.length
}
