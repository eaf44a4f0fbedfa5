// One job as its worker runs it, and the context its kind sees (JobContext): the abort signal,
// progress, the job's log file and its output folder.
import { closeSync, constants, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { logPath, logsDir, outputsDir, stderrRangesPath } from '../data-layout.ts'
import type { ExecutorType } from '../../../shared/job.ts'
import type { JobContext, LogStream } from '../kinds/context.ts'
import { jobTag } from '../tagged-processes.ts'

/** The logs folders this process has made (one per data folder): made once, not once per job. */
const madeLogDirs = new Set<string>()
/** A new log, created by this open or not at all (then it exists: a retry's attempt appends to it). */
const CREATE_NEW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL

/** A progress note is a short line for the table, not a log. */
const MAX_NOTE_LENGTH = 200

/** What a running job needs of its runtime. */
export interface JobHost {
  readonly dataDir: string
  readonly executor: ExecutorType
  /** The engine run's part of a job's process tag. */
  readonly tagRun: string
  progressChanged(job: RunningJob): void
  commandStarted(job: RunningJob, pid: number): void
  commandEnded(job: RunningJob, pid: number): void
}

export class AbortReason extends Error {
  readonly reason: 'cancel' | 'timeout'
  constructor(reason: 'cancel' | 'timeout') {
    super(reason === 'timeout' ? 'timed out' : 'cancelled')
    this.name = 'AbortError'
    this.reason = reason
  }
}

export class RunningJob implements JobContext {
  readonly jobId: number
  readonly attempt: number
  readonly executor
  private controller: AbortController | null = null
  /** Why the job was stopped, once it was. */
  stopReason: AbortReason | null = null
  private abortListener: ((reason: Error) => void) | null = null
  /** Private in the language's sense: job code holds this object as its context and must not reach the runtime through it. */
  readonly #runtime: JobHost
  progressValue = 0
  progressNote: string | undefined = undefined
  progressDirty = false
  /** Set once its end is reported: a late settle (or a late error) must not end it twice. */
  over = false
  /** Where its EV_STARTED sits in the runtime's event buffer, and in which flush. */
  startSlot = 0
  startFlush = -1
  /** The job's log file, opened on first use. Synchronous writes: this is a worker, and they keep memory bounded however fast a job logs. */
  private logFd: number | null = null
  /** Where the next byte lands in the log (it is appended to: a retry's attempt follows the last one's). */
  private logEnd = 0
  /** The stderr ranges sidecar (log-streams.ts), opened on the first stderr byte. */
  private rangesFd: number | null = null

  constructor(runtime: JobHost, id: number, attempt: number) {
    this.#runtime = runtime
    this.jobId = id
    this.attempt = attempt
    this.executor = runtime.executor
  }

  /** What its processes carry as CORELANE_JOB_TAG (made on use: most jobs start none). */
  get tag(): string {
    return jobTag(this.#runtime.tagRun, this.jobId, this.attempt)
  }

  // Created on first use: most short jobs never look at their signal.
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.stopReason) this.controller.abort(this.stopReason)
    }
    return this.controller.signal
  }

  abort(reason: 'cancel' | 'timeout'): void {
    if (this.stopReason) return
    this.stopReason = new AbortReason(reason)
    this.controller?.abort(this.stopReason)
    const listener = this.abortListener
    this.abortListener = null
    listener?.(this.stopReason)
  }

  /** The job is over: a late cancel finds nothing to call. */
  ended(): void {
    this.abortListener = null
  }

  onAbort(listener: (reason: Error) => void): () => void {
    if (this.stopReason) {
      listener(this.stopReason)
      return () => undefined
    }
    // One listener at a time is all the kinds need (a sleep waits on one timer).
    this.abortListener = listener
    return () => {
      if (this.abortListener === listener) this.abortListener = null
    }
  }

  commandStarted(pid: number): void {
    this.#runtime.commandStarted(this, pid)
  }

  commandEnded(pid: number): void {
    this.#runtime.commandEnded(this, pid)
  }

  async outputPath(fileName: string): Promise<string> {
    const dir = outputsDir(this.#runtime.dataDir, this.jobId)
    await mkdir(dir, { recursive: true })
    return join(dir, fileName)
  }

  progress(fraction: number, note?: string): void {
    // User scripts call this too: whatever they pass must still make a valid message.
    const value = Number(fraction)
    this.progressValue = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0
    this.progressNote = note === undefined || note === null ? undefined : String(note).slice(0, MAX_NOTE_LENGTH)
    if (!this.progressDirty) {
      this.progressDirty = true
      this.#runtime.progressChanged(this)
    }
  }

  log(line: string, stream: LogStream = 'stdout'): void {
    this.logOutput(stream, line.endsWith('\n') ? line : `${line}\n`)
  }

  /**
   * Appends output to the log as it arrives, and records where stderr's bytes went: this is
   * the one writer of the log, so the order of the writes is the order in the file.
   */
  logOutput(stream: LogStream, chunk: string | Uint8Array): void {
    try {
      const fd = this.openLog()
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      const start = this.logEnd
      try {
        // Counted as it goes: a write cut short by a full disk leaves the offsets true.
        for (let written = 0; written < data.byteLength;) {
          const n = writeSync(fd, data, written)
          written += n
          this.logEnd += n
        }
      } finally {
        if (stream === 'stderr' && this.logEnd > start) {
          this.rangesFd ??= openSync(stderrRangesPath(this.logPath()), 'a')
          writeSync(this.rangesFd, `${start} ${this.logEnd}\n`)
        }
      }
    } catch {
      // A full disk must not fail the job; its log is best effort.
    }
  }

  private logPath(): string {
    return logPath(this.#runtime.dataDir, this.jobId)
  }

  /**
   * Every shell job opens its log, so this is on the path of each one: the folder is made once
   * per process, and a new file (the usual case) is known to be empty without asking its size.
   */
  private openLog(): number {
    if (this.logFd !== null) return this.logFd
    const dir = logsDir(this.#runtime.dataDir)
    const path = this.logPath()
    if (!madeLogDirs.has(dir)) {
      mkdirSync(dir, { recursive: true })
      madeLogDirs.add(dir)
    }
    try {
      this.logFd = openSync(path, CREATE_NEW)
      this.logEnd = 0
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT')
        mkdirSync(dir, { recursive: true }) // the folder was removed since
      else if (code !== 'EEXIST') throw error
      this.logFd = openSync(path, 'a')
      this.logEnd = fstatSync(this.logFd).size
    }
    return this.logFd
  }

  async logFile(): Promise<{ path: string }> {
    this.openLog()
    return { path: this.logPath() }
  }

  get hasLogOpen(): boolean {
    return this.logFd !== null
  }

  /**
   * Closes the log (synchronously, as it is written: closing a file is quick, and an
   * asynchronous close waits for a thread of the pool and a turn of the loop, per job).
   */
  async closeLog(): Promise<boolean> {
    if (this.logFd === null) return false
    const fds = this.rangesFd === null ? [this.logFd] : [this.logFd, this.rangesFd]
    this.logFd = this.rangesFd = null
    for (const fd of fds) {
      try {
        closeSync(fd)
      } catch {
        // Nothing left to lose: every write to it has returned.
      }
    }
    return true
  }
}
