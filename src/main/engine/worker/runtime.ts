// The loop inside every worker, thread or process: takes batches of jobs, runs them (one at a
// time on the CPU lane, all at once on the I/O lane), and reports events in batches.
import { AsyncLocalStorage } from 'node:async_hooks'
import { close, mkdirSync, openSync, readlinkSync, writeSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { format } from 'node:util'
import type { JobContext, KindRunner } from '../kinds/context.ts'
import { runnerFor } from '../kinds/registry.ts'
import { saveCompileCache } from './compile-cache.ts'
import {
  EV_DONE,
  EV_DROPPED,
  EV_FAILED,
  EV_PROGRESS,
  EV_STARTED,
  EV_STARTED_ENDED,
  type FailureCode,
  type FromWorker,
  type JobMessage,
  type ToWorker,
  type WorkerInit,
} from './protocol.ts'

export interface WorkerPort {
  post(message: FromWorker): void
  onMessage(listener: (message: ToWorker) => void): void
  /** Ends the worker once its last message is out. */
  exit(): void
  /**
   * Optional: block for up to `ms` waiting for the next message and deliver what arrived,
   * synchronously. Called only when the worker has nothing to do, so nothing else is held up.
   */
  awaitMessages?(ms: number): void
}

/** How long an idle serial worker waits on the wake counter before returning to its event loop. */
const IDLE_WAIT_MS = 2

/** Results larger than this are written to a file instead of travelling through messages. */
const INLINE_RESULT_LIMIT = 64 * 1024
const PROGRESS_INTERVAL_MS = 100
/** A progress note is a short line for the table, not a log. */
const MAX_NOTE_LENGTH = 200
/** Send events once this many items (about 1,000 jobs' worth) are waiting, without waiting for the loop. */
const MAX_EVENT_ITEMS = 6144

/** Linux: which process and kernel thread this is, so the monitor can find it in /proc. */
export function threadIdentity(): { pid: number; tid: number | null } {
  try {
    const [pid, , tid] = readlinkSync('/proc/thread-self').split('/')
    return { pid: Number(pid), tid: Number(tid) }
  } catch {
    return { pid: process.pid, tid: null }
  }
}

/** The job whose code is running right now, so console output lands in that job's log. */
const currentJob = new AsyncLocalStorage<RunningJob>()

/**
 * Sends console output from job code to the job's own log file. Without this a user script's
 * console.log would reach the CLI's stdout (corrupting --json output) or the app's terminal.
 */
function captureConsole(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method].bind(console)
    console[method] = (...args: unknown[]) => {
      const job = currentJob.getStore()
      if (job) job.log(format(...args))
      else original(...args)
    }
  }
}

class AbortReason extends Error {
  readonly reason: 'cancel' | 'timeout'
  constructor(reason: 'cancel' | 'timeout') {
    super(reason === 'timeout' ? 'timed out' : 'cancelled')
    this.name = 'AbortError'
    this.reason = reason
  }
}

class RunningJob implements JobContext {
  readonly jobId: number
  readonly attempt: number
  readonly executor
  private controller: AbortController | null = null
  /** Why the job was stopped, once it was. */
  stopReason: AbortReason | null = null
  private abortListener: ((reason: Error) => void) | null = null
  private readonly runtime: WorkerRuntime
  progressValue = 0
  progressNote: string | undefined = undefined
  progressDirty = false
  /** Where its EV_STARTED sits in the runtime's event buffer, and in which flush. */
  startSlot = 0
  startFlush = -1
  /** The job's log file, opened on first use. Synchronous writes: this is a worker, and they keep memory bounded however fast a job logs. */
  private logFd: number | null = null

  constructor(runtime: WorkerRuntime, id: number, attempt: number) {
    this.runtime = runtime
    this.jobId = id
    this.attempt = attempt
    this.executor = runtime.init.executor
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

  async outputPath(fileName: string): Promise<string> {
    const dir = join(this.runtime.init.dataDir, 'outputs', String(this.jobId))
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
      this.runtime.progressChanged(this)
    }
  }

  log(line: string): void {
    try {
      writeSync(this.openLog(), line.endsWith('\n') ? line : `${line}\n`)
    } catch {
      // A full disk must not fail the job; its log is best effort.
    }
  }

  private logPath(): string {
    return join(this.runtime.init.dataDir, 'logs', `${this.jobId}.log`)
  }

  private openLog(): number {
    if (this.logFd === null) {
      mkdirSync(join(this.runtime.init.dataDir, 'logs'), { recursive: true })
      this.logFd = openSync(this.logPath(), 'a')
    }
    return this.logFd
  }

  async logFile(): Promise<{ path: string; fd: number }> {
    return { path: this.logPath(), fd: this.openLog() }
  }

  get hasLogOpen(): boolean {
    return this.logFd !== null
  }

  async closeLog(): Promise<boolean> {
    if (this.logFd === null) return false
    const fd = this.logFd
    this.logFd = null
    await new Promise<void>((resolve) => close(fd, () => resolve()))
    return true
  }
}

function classify(error: unknown, job: RunningJob): { code: FailureCode; message: string } {
  if (error instanceof AbortReason || job.stopReason) {
    const reason = (job.stopReason ?? (error as AbortReason)).reason
    return reason === 'timeout' ? { code: 'timeout', message: 'timed out' } : { code: 'cancelled', message: 'cancelled' }
  }
  const err = error as { code?: unknown; message?: unknown } | null
  const message = err && typeof err.message === 'string' ? err.message : String(error)
  if (err?.code === 'exit-code') return { code: 'exit-code', message }
  return { code: 'job-error', message }
}

/** At most this many fields with short names, each a number, boolean, null or short string: cannot reach INLINE_RESULT_LIMIT. */
const SMALL_FLAT_FIELDS = 32
const SMALL_FLAT_STRING = 1024

function isSmallFlat(result: object): boolean {
  // Plain objects only: a class instance, a Map or a Promise takes the JSON path below.
  const proto: unknown = Object.getPrototypeOf(result)
  if (proto !== Object.prototype && proto !== null) return false
  let fields = 0
  for (const key in result) {
    if (++fields > SMALL_FLAT_FIELDS || key.length > SMALL_FLAT_STRING) return false
    const value = (result as Record<string, unknown>)[key]
    const type = typeof value
    if (type === 'string') {
      if ((value as string).length > SMALL_FLAT_STRING) return false
    } else if (value !== null && type !== 'number' && type !== 'boolean' && type !== 'undefined') return false
  }
  return true
}

/**
 * Results travel as messages, are stored as JSON and are shown in the window, so the fast path
 * takes only what is certainly all three: null, a boolean, a number, a string of inline size,
 * or a small flat plain object. Anything else goes through JSON (see succeededSlow).
 */
function isInlineResult(result: unknown): boolean {
  if (result === null) return true
  switch (typeof result) {
    case 'boolean':
    case 'number':
      return true
    case 'string':
      return result.length <= INLINE_RESULT_LIMIT
    case 'object':
      return isSmallFlat(result)
    default:
      return false
  }
}

/** Keeps only the JSON scalar fields of a large result, as a summary next to its file. */
function summarise(result: unknown): unknown {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return null
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(result)) {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') out[key] = value
    else if (typeof value === 'number') out[key] = Number.isFinite(value) ? value : null
  }
  return out
}

export class WorkerRuntime {
  readonly init: WorkerInit
  private readonly port: WorkerPort
  private readonly pending: JobMessage[] = []
  private pendingHead = 0
  private readonly running = new Map<number, RunningJob>()
  private events: unknown[] = []
  private readonly progressed = new Set<RunningJob>()
  private flushScheduled = false
  /** Counts flushes, so a job can tell whether its start event is still in `events`. */
  private flushes = 0
  private progressTimer: NodeJS.Timeout | null = null
  private draining = false
  private stopping = false

  constructor(port: WorkerPort, init: WorkerInit) {
    this.port = port
    this.init = init
    captureConsole()
    port.onMessage((message) => this.receive(message))
    const { pid, tid } = threadIdentity()
    port.post({ t: 'hello', pid, tid, executor: init.executor })
    setImmediate(saveCompileCache)
  }

  private receive(message: ToWorker): void {
    switch (message.t) {
      case 'run':
        if (this.init.mode === 'concurrent') {
          for (const job of message.jobs) void this.runOne(job)
        } else {
          for (const job of message.jobs) this.pending.push(job)
          void this.drain()
        }
        break
      case 'cancel':
        this.cancel(message.id, message.reason)
        break
      case 'stop':
        this.stopping = true
        if (this.running.size === 0) this.finish()
        break
      case 'init':
        break
    }
  }

  private cancel(id: number, reason: 'cancel' | 'timeout'): void {
    const running = this.running.get(id)
    if (running) {
      running.abort(reason)
      return
    }
    for (let i = this.pendingHead; i < this.pending.length; i++) {
      if (this.pending[i]![0] === id) {
        this.pending.splice(i, 1)
        this.emit(EV_DROPPED, id)
        return
      }
    }
  }

  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    while (this.pendingHead < this.pending.length) {
      const job = this.pending[this.pendingHead++]!
      if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
        this.pending.splice(0, this.pendingHead)
        this.pendingHead = 0
      }
      await this.runOne(job)
    }
    this.pending.length = 0
    this.pendingHead = 0
    this.draining = false
  }

  /**
   * Starts one job and settles it. No async function here: the I/O lane holds 100,000 of these
   * at once, and an async frame per job kept alive for the whole sleep is what the garbage
   * collector then spends its time copying (measured: most of the worker's cost per job).
   */
  private runOne([id, kind, params, attempt]: JobMessage): Promise<void> {
    const job = new RunningJob(this, id, attempt)
    this.running.set(id, job)
    job.startSlot = this.events.length
    job.startFlush = this.flushes
    this.events.push(EV_STARTED, id, Date.now())
    this.scheduleFlush()
    let pending: Promise<unknown>
    try {
      const found = runnerFor(kind)
      pending =
        typeof found === 'function'
          ? this.start(job, kind, found, params)
          : found.then((runner) => this.start(job, kind, runner, params))
    } catch (error) {
      pending = Promise.reject(error)
    }
    return pending.then(
      (result) => this.succeeded(job, result),
      (error: unknown) => this.failed(job, error),
    )
  }

  private start(job: RunningJob, kind: string, runner: KindRunner, params: Record<string, unknown>): Promise<unknown> {
    // Only user scripts print; routing console output costs an async context per job, so
    // built-in kinds (run by the hundred thousand) skip it.
    return kind === 'script' ? currentJob.run(job, runner, params, job) : runner(params, job)
  }

  private succeeded(job: RunningJob, value: unknown): void | Promise<void> {
    if (job.stopReason) return this.failed(job, job.stopReason)
    const result = value === undefined ? null : value
    try {
      // Results that are small and plain (the common case) skip serialising and the file check.
      if (job.hasLogOpen || !isInlineResult(result)) return this.succeededSlow(job, result)
    } catch (error) {
      return this.failed(job, error)
    }
    this.ended(job, EV_DONE, result, null, false)
  }

  private async succeededSlow(job: RunningJob, value: unknown): Promise<void> {
    try {
      // A JSON copy: what the database and the window can hold, and always safe to post (a
      // function or a class instance in a result would otherwise crash the worker, taking the
      // other jobs on it down too). Cycles and BigInts fail the job with a clear message.
      let text: string | undefined
      try {
        text = JSON.stringify(value)
      } catch (error) {
        throw new Error(`the result cannot be saved as JSON: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        })
      }
      let result: unknown = null
      let resultFile: { file: string; bytes: number } | null = null
      if (text !== undefined && text.length > INLINE_RESULT_LIMIT) {
        const file = await job.outputPath('result.json')
        await writeFile(file, text)
        resultFile = { file, bytes: Buffer.byteLength(text) }
        result = summarise(value)
      } else if (text !== undefined) result = JSON.parse(text)
      if (job.stopReason) throw job.stopReason
      this.ended(job, EV_DONE, result, resultFile, await job.closeLog())
    } catch (error) {
      await this.failed(job, error)
    }
  }

  private async failed(job: RunningJob, error: unknown): Promise<void> {
    const { code, message } = classify(error, job)
    if (code === 'job-error' && error instanceof Error && error.stack) job.log(error.stack)
    this.ended(job, EV_FAILED, code, message, await job.closeLog())
  }

  /** Reports the end of a job: EV_DONE (result, resultFile) or EV_FAILED (code, message). */
  private ended(job: RunningJob, type: typeof EV_DONE | typeof EV_FAILED, a: unknown, b: unknown, hasLog: boolean): void {
    job.ended()
    this.running.delete(job.jobId)
    if (job.startFlush === this.flushes) this.events[job.startSlot] = EV_STARTED_ENDED
    this.events.push(type, job.jobId, Date.now(), a, b, hasLog)
    this.scheduleFlush()
    // A serial worker with nothing queued behind this job reports at once: that is the
    // round trip a waiting client sees. With more queued, results keep batching.
    if (this.init.mode === 'serial' && this.pendingHead >= this.pending.length) {
      this.flush()
      if (this.running.size === 0 && !this.stopping) this.port.awaitMessages?.(IDLE_WAIT_MS)
    }
    if (this.stopping && this.running.size === 0) this.finish()
  }

  private emit(...event: unknown[]): void {
    for (const item of event) this.events.push(item)
    this.scheduleFlush()
  }

  private scheduleFlush(): void {
    // A worker taking a long burst of jobs (the I/O lane starting thousands) never reaches its
    // setImmediate until the burst ends; sending every few thousand events keeps each message,
    // and the engine's work to apply it, small.
    if (this.events.length >= MAX_EVENT_ITEMS) this.flush()
    else if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(this.flush)
    }
  }

  progressChanged(job: RunningJob): void {
    this.progressed.add(job)
    this.progressTimer ??= setTimeout(this.flush, PROGRESS_INTERVAL_MS)
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    this.flushes++
    if (this.progressTimer) {
      clearTimeout(this.progressTimer)
      this.progressTimer = null
    }
    for (const job of this.progressed) {
      job.progressDirty = false
      if (this.running.has(job.jobId)) this.events.push(EV_PROGRESS, job.jobId, job.progressValue, job.progressNote ?? null)
    }
    this.progressed.clear()
    if (this.events.length === 0) return
    const e = this.events
    this.events = []
    this.port.post({ t: 'ev', e })
  }

  private finish(): void {
    this.flush()
    this.port.exit()
  }
}
