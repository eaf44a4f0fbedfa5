// The loop inside every worker, thread or process: takes batches of jobs, runs them (one at a
// time on the CPU lane, all at once on the I/O lane), and reports events in batches.
import { readlinkSync } from 'node:fs'
import type { KindRunner } from '../kinds/context.ts'
import { runnerFor } from '../kinds/registry.ts'
import { endGroups, processStatSync, type GroupRef } from '../process-groups.ts'
import { endTagged, TAG_VARIABLE } from '../tagged-processes.ts'
import { saveCompileCache } from './compile-cache.ts'
import { captureConsole, currentJob } from './job-console.ts'
import { EventWriter, type JobMessage, type RuntimeInit, type RuntimeMessage, type ToWorker } from './protocol.ts'
import { classify, isInlineResult, jsonResult } from './results.ts'
import { RunningJob, type JobHost } from './running-job.ts'

export interface WorkerPort {
  /** Sends a message to the engine (the entry seals it with the worker's key). */
  post(message: RuntimeMessage): void
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

const PROGRESS_INTERVAL_MS = 100
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

export class WorkerRuntime implements JobHost {
  readonly init: RuntimeInit
  readonly dataDir: string
  readonly executor: RuntimeInit['executor']
  readonly tagRun: string
  private readonly port: WorkerPort
  private readonly pending: JobMessage[] = []
  private pendingHead = 0
  private readonly running = new Map<number, RunningJob>()
  private readonly events = new EventWriter()
  private readonly progressed = new Set<RunningJob>()
  /** An Immediate that flushes is pending: one per turn of the loop, however many jobs ran in it. */
  private flushScheduled = false
  /** Counts flushes, so a job can tell whether its start event is still in `events`. */
  private flushes = 0
  private progressTimer: NodeJS.Timeout | null = null
  private draining = false
  /** Counts drain loops, so one left waiting on a job that will never settle stops when it wakes. */
  private drains = 0
  private stopping = false
  /** The process groups of the commands its jobs have running (the engine is told of each too). */
  private readonly groups = new Map<number, GroupRef>()

  constructor(port: WorkerPort, init: RuntimeInit) {
    this.port = port
    this.init = init
    this.dataDir = init.dataDir
    this.executor = init.executor
    this.tagRun = init.tagRun
    captureConsole()
    process.on('uncaughtException', this.uncaught)
    process.on('unhandledRejection', this.uncaught)
    port.onMessage((message) => this.receive(message))
    const { pid, tid } = threadIdentity()
    port.post({ t: 'hello', pid, tid, executor: init.executor })
    // A process worker started leading a group of its own: the engine ends that group when the
    // worker has gone, which ends the children a script left behind (job 0: the worker's own).
    const self = init.executor === 'process' ? processStatSync(process.pid) : null
    if (self && self.pgrp === process.pid) {
      this.events.command(0, process.pid, self.since)
      this.scheduleFlush()
    }
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
      case 'prepare': // the process entry's, before init
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
        this.events.dropped(id)
        this.scheduleFlush()
        return
      }
    }
  }

  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    const generation = ++this.drains
    while (this.pendingHead < this.pending.length) {
      const job = this.pending[this.pendingHead++]!
      if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
        this.pending.splice(0, this.pendingHead)
        this.pendingHead = 0
      }
      await this.runOne(job)
      // A job failed by its own stray error may never settle: a new drain took over from it.
      if (generation !== this.drains) return
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
    job.startSlot = this.events.started(id, Date.now())
    job.startFlush = this.flushes
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
    if (kind !== 'script') return runner(params, job)
    // Whatever the script starts inherits its tag (a thread's process.env is its own copy). Not
    // on a concurrent worker, whose jobs share one process.env: a child could get another's tag.
    if (this.init.mode === 'serial') process.env[TAG_VARIABLE] = job.tag
    return currentJob.run(job, runner, params, job)
  }

  private succeeded(job: RunningJob, value: unknown): void | Promise<void> {
    if (job.over) return
    job.over = true
    if (job.stopReason) return this.reportFailure(job, job.stopReason)
    const result = value === undefined ? null : value
    try {
      // Results that are small and plain (the common case) skip serialising and the file check.
      if (job.hasLogOpen || !isInlineResult(result)) return this.succeededSlow(job, result)
    } catch (error) {
      return this.reportFailure(job, error)
    }
    this.ended(job)
    this.events.done(job.jobId, Date.now(), result, null, false)
    this.afterEnd()
  }

  private async succeededSlow(job: RunningJob, value: unknown): Promise<void> {
    try {
      const { result, resultFile } = await jsonResult(job, value)
      if (job.stopReason) throw job.stopReason
      const hasLog = await job.closeLog()
      this.ended(job)
      this.events.done(job.jobId, Date.now(), result, resultFile, hasLog)
      this.afterEnd()
    } catch (error) {
      await this.reportFailure(job, error)
    }
  }

  private failed(job: RunningJob, error: unknown): Promise<void> | undefined {
    if (job.over) return
    job.over = true
    return this.reportFailure(job, error)
  }

  private async reportFailure(job: RunningJob, error: unknown): Promise<void> {
    const { code, message } = classify(error, job)
    if (code === 'job-error' && error instanceof Error && error.stack) job.log(error.stack, 'stderr')
    const hasLog = await job.closeLog()
    this.ended(job)
    this.events.failed(job.jobId, Date.now(), code, message, hasLog)
    this.afterEnd()
  }

  /**
   * An error thrown outside any job's promise: from a timer, a stream or a promise that job
   * code left behind. The job whose code it came from (async context follows timers and
   * promises) takes the blame: it fails if it is still running, and if it already ended it is
   * reported (EV_LATE_ERROR) so the engine records it as failed. Its worker and the jobs on it
   * carry on. An error no job's code is behind is the runtime's own: the worker crashes, as
   * it would without this handler.
   */
  private readonly uncaught = (error: unknown): void => {
    const job = currentJob.getStore()
    if (!job) {
      process.off('uncaughtException', this.uncaught)
      process.off('unhandledRejection', this.uncaught)
      setImmediate(() => {
        throw error
      })
      return
    }
    if (!job.over) {
      void this.failed(job, error)?.then(() => {
        if (this.init.mode !== 'serial') return
        this.draining = false
        void this.drain()
      })
      return
    }
    const message = `threw after it finished: ${error instanceof Error ? error.message : String(error)}`
    job.log(error instanceof Error && error.stack ? `${message}\n${error.stack}` : message, 'stderr')
    void job.closeLog().then((hasLog) => {
      this.events.lateError(job.jobId, message, hasLog)
      this.scheduleFlush()
    })
  }

  /** The job is over: its end event follows at once. */
  private ended(job: RunningJob): void {
    job.ended()
    this.running.delete(job.jobId)
    if (job.startFlush === this.flushes) this.events.startedEnded(job.startSlot)
  }

  private afterEnd(): void {
    this.scheduleFlush()
    // A serial worker with nothing queued behind this job reports at once: that is the
    // round trip a waiting client sees. With more queued, results keep batching.
    if (this.init.mode === 'serial' && this.pendingHead >= this.pending.length) {
      this.flush()
      if (this.running.size === 0 && !this.stopping) this.port.awaitMessages?.(IDLE_WAIT_MS)
    }
    if (this.stopping && this.running.size === 0) this.finish()
  }

  private scheduleFlush(): void {
    // A worker taking a long burst of jobs (the I/O lane starting thousands) never reaches its
    // setImmediate until the burst ends; sending every few thousand events keeps each message,
    // and the engine's work to apply it, small.
    if (this.events.length >= MAX_EVENT_ITEMS) this.flush()
    else if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(this.scheduledFlush)
    }
  }

  commandStarted(job: RunningJob, pid: number): void {
    if (!Number.isInteger(pid) || pid <= 1) return
    // Read at once, while the program is surely still the process with this pid.
    const since = processStatSync(pid)?.since ?? 0
    this.groups.set(pid, { pgid: pid, since })
    this.events.command(job.jobId, pid, since)
    // Sent now, not with the next batch: until the engine knows the group, only this worker could end it.
    this.flush()
  }

  commandEnded(_job: RunningJob, pid: number): void {
    if (!this.groups.delete(pid)) return
    this.events.commandEnded(pid)
    this.scheduleFlush()
  }

  /**
   * The engine has gone (a process worker's channel closed): ends the commands' groups, and the
   * processes its running jobs started that left them (by their tags), before the worker exits.
   */
  async endCommands(): Promise<void> {
    const groups = [...this.groups.values()]
    this.groups.clear()
    const tags = new Set<string>()
    for (const job of this.running.values()) tags.add(job.tag)
    await Promise.all([endGroups(groups), endTagged(tags)])
  }

  progressChanged(job: RunningJob): void {
    this.progressed.add(job)
    this.progressTimer ??= setTimeout(this.flush, PROGRESS_INTERVAL_MS)
  }

  // A flush made before the Immediate fires leaves it pending (it then finds little or nothing
  // to send): a serial worker flushes after every job it ends, and rescheduling each time made
  // one Immediate per job, all kept until its loop turned (never, between back-to-back jobs).
  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false
    this.flush()
  }

  private readonly flush = (): void => {
    this.flushes++
    if (this.progressTimer) {
      clearTimeout(this.progressTimer)
      this.progressTimer = null
    }
    for (const job of this.progressed) {
      job.progressDirty = false
      if (this.running.has(job.jobId)) this.events.progress(job.jobId, job.progressValue, job.progressNote ?? null)
    }
    this.progressed.clear()
    if (this.events.length === 0) return
    this.port.post({ t: 'ev', e: this.events.take() })
  }

  private finish(): void {
    this.flush()
    this.port.exit()
  }
}
