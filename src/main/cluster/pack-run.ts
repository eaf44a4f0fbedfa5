// One pack on an agent: its jobs are submitted to the agent's local engine (its public API
// only), their changes become protocol events (started, progress, done, ...) under the
// controller's job ids, written in the wire's compact form (report-writer.ts), sent as BullMQ
// progress data every flush, and every job's end is the pack's return value. Jobs the agent
// may not run (shell, script without the allow flag) and jobs cancelled before the pack
// arrived end at once, with their reason.
import { open } from 'node:fs/promises'
import type { AgentReport, Pack, ShippedLog } from '../../shared/cluster.ts'
import { isTerminal, type JobView, type ResultFileRef } from '../../shared/job.ts'
import { ValidationError } from '../../shared/validate.ts'
import { readStderrRanges, textWithStderr } from '../engine/log-streams.ts'
import type { Engine } from '../engine/index.ts'
import type { FailureCode } from '../engine/worker/protocol.ts'
import { ReportWriter } from './report-writer.ts'

/** The tail of a job's log that travels back with its end. */
export const LOG_TAIL_BYTES = 256 * 1024

export interface PackHost {
  readonly name: string
  readonly engine: Engine
  readonly allowShell: boolean
  readonly allowScript: boolean
  /** The local job ids this run owns, so the agent routes engine changes and cancels to it. */
  claim(localId: number, run: PackRun): void
  release(localId: number): void
  /** Around a submit: finished jobs must not be cleared from the engine until they are claimed. */
  submitting(delta: 1 | -1): void
  /** Whether the engine told of this job (a change, its end) before it was claimed. */
  heardBeforeClaim(localId: number): boolean
}

interface ToRun {
  cid: number
  kind: string
  params: Record<string, unknown>
  memoryMb: number | undefined
}

interface LocalJob {
  cid: number
  kind: string
  started: boolean
  progress: number
  stopReason: 'cancel' | 'timeout' | null
}

/** How a job ended, to be written to the report's runs (times as offsets from the base). */
type End =
  | { t: 'done'; at: number; result: unknown; resultFile: ResultFileRef | null; hasLog: boolean }
  | { t: 'failed'; at: number; code: FailureCode; message: string; hasLog: boolean }
  | { t: 'dropped' }

const DROPPED: End = { t: 'dropped' }
const failed = (at: number, code: FailureCode, message: string): End => ({ t: 'failed', at, code, message, hasLog: false })

export class PackRun {
  private readonly byLocal = new Map<number, LocalJob>()
  /**
   * Every time in the events is an offset from this (report-events.ts's WIRE_BASE, which
   * starts each report): small integers where epoch milliseconds were 13 digits each.
   */
  private readonly base = Date.now()
  /** Events since the last flush. */
  private readonly pending = new ReportWriter(this.base)
  private pendingLogs: ShippedLog[] = []
  /** Every job's end (and start): the return value. */
  private readonly finals = new ReportWriter(this.base)
  private readonly logs: ShippedLog[] = []
  private remaining = 0
  private chain: Promise<void> = Promise.resolve()
  private resolveDone: (() => void) | null = null
  /** Leaving: what it cancels now is handed back, not reported as cancelled. */
  private abandoned = false
  /** Controller ids of the jobs left unreported because the pack was abandoned: they go back to the queue. */
  private readonly handedBack: number[] = []
  /** Every job is in `byLocal` or ended: a cancel no longer needs to wait for its job to be tracked. */
  private tracked = false
  /**
   * Cancels that came before their job was tracked (while the agent looked up the cancelled
   * set, or the local engine was taking the submit), by controller id: applied as it is.
   */
  private readonly early = new Map<number, 'cancel' | 'timeout'>()
  private packIds: Set<number> | null = null

  private readonly host: PackHost
  readonly pack: Pack

  constructor(host: PackHost, pack: Pack) {
    this.host = host
    this.pack = pack
  }

  /** Runs every job of the pack; `cancelled` are those the controller cancelled before it came. */
  async run(cancelled: Map<number, 'cancel' | 'timeout'>): Promise<void> {
    if (this.abandoned) {
      // The agent left before the pack began: all of it goes back, nothing is reported.
      for (const job of this.pack.jobs) this.handedBack.push(job[0])
      this.tracked = true
      return
    }
    const now = Date.now() - this.base
    const toRun: ToRun[] = []
    for (const [cid, kind, params, , memoryMb] of this.pack.jobs) {
      const refusal = this.refusal(kind)
      const reason = cancelled.get(cid) ?? this.early.get(cid)
      if (refusal) this.end(cid, failed(now, 'job-error', refusal), now)
      else if (reason === 'timeout') this.end(cid, failed(now, 'timeout', 'timed out'), now)
      else if (reason) this.end(cid, DROPPED, null)
      else toRun.push({ cid, kind, params, memoryMb })
    }
    let done: Promise<void> | null = null
    if (toRun.length) {
      done = new Promise<void>((resolve) => (this.resolveDone = resolve))
      this.remaining = toRun.length
      await this.submit(toRun)
    }
    this.tracked = true
    this.early.clear()
    if (done && this.remaining > 0) await done
    await this.chain
  }

  /** Whether some of its jobs were left to run elsewhere (abandoned): the pack must go back to the queue. */
  get handsBack(): boolean {
    return this.handedBack.length > 0
  }

  /** The pack cut down to the jobs it hands back (see handsBack), for the agent that takes it next. */
  remainder(): Pack {
    const back = new Set(this.handedBack)
    return { ...this.pack, jobs: this.pack.jobs.filter((job) => back.has(job[0])) }
  }

  /** Left unreported, to run on another agent. */
  private handBack(cid: number): void {
    this.handedBack.push(cid)
    this.finish(cid, null, null)
  }

  private refusal(kind: string): string | null {
    if (kind === 'shell' && !this.host.allowShell)
      return `agent ${this.host.name} does not run shell jobs (start it with --allow-shell)`
    if (kind === 'script' && !this.host.allowScript)
      return `agent ${this.host.name} does not run script jobs (start it with --allow-script)`
    return null
  }

  /**
   * `alike`: every job has the same kind, params and ceiling (a pack of one template's jobs,
   * the usual case), so they go as one template and a count, which the engine checks once
   * and whose one spec its jobs share, where a list is checked and copied job by job (a
   * tenth of an agent's time on no-ops, a profile).
   */
  private async submit(jobs: ToRun[], alike = jobs.length > 1 && allAlike(jobs)): Promise<void> {
    // Abandoned between tries (a submit checked again job by job): the rest is not started here.
    if (this.abandoned) {
      for (const job of jobs) this.handBack(job.cid)
      return
    }
    // The controller owns retries and timeouts (it sends a cancel): here each job runs once. A
    // memory ceiling is this engine's to apply, as on one machine (a worker of its own, a
    // process where the OS can hold it).
    const spec = (j: ToRun) => ({
      kind: j.kind,
      params: j.params,
      retries: 0,
      ...(j.memoryMb ? { memoryMb: j.memoryMb } : {}),
    })
    const name = `pack ${this.pack.controller}-${this.pack.pack}`
    this.host.submitting(1)
    try {
      const { jobIds } = await this.host.engine.submit(
        alike
          ? { name, template: spec(jobs[0]!), count: jobs.length }
          : { name, jobs: jobs.map((j) => ({ name: `#${j.cid}`, ...spec(j) })) },
      )
      for (let i = 0; i < jobIds.length; i++) this.track(jobIds[i]!, jobs[i]!.cid, jobs[i]!.kind)
    } catch (error) {
      // The list says which job is at fault (none, in a template of alike ones, or all).
      if (alike && error instanceof ValidationError) return await this.submit(jobs, false)
      if (!(error instanceof ValidationError) || jobs.length === 1) {
        const message = error instanceof ValidationError ? error.message.replace(/^jobs\[0\]\./, '') : (error as Error).message
        const code = error instanceof ValidationError ? 'invalid-params' : 'job-error'
        const at = Date.now() - this.base
        for (const j of jobs) this.finish(j.cid, failed(at, code, message), at)
        return
      }
      // One bad job (this agent may know its kind's params differently): the others still run.
      for (const job of jobs) await this.submit([job])
    } finally {
      this.host.submitting(-1)
    }
  }

  private track(localId: number, cid: number, kind: string): void {
    const job: LocalJob = { cid, kind, started: false, progress: 0, stopReason: this.early.get(cid) ?? null }
    this.byLocal.set(localId, job)
    this.host.claim(localId, this)
    // Cancelled while the submit was under way, or the agent is leaving: stopped at once.
    if (job.stopReason || this.abandoned) this.host.engine.cancel([localId])
    // The engine starts jobs while a large submit is still being checked: this one may have
    // started, or even ended (its onJobSettled went by before it was claimed), already. Only
    // then is its view asked for (one view per job was a cost of its own, a profile): a job
    // the engine has said nothing of yet is reported from its next change, as it is claimed.
    if (!this.host.heardBeforeClaim(localId)) return
    const view = this.host.engine.getJob(localId)
    if (view && isTerminal(view.state)) this.settled(view)
    else if (view) this.changed(view)
  }

  /**
   * Stops jobs the controller cancelled (or timed out) while they run here. Looked up by a walk
   * of the running ones: cancels are rare, and a map from the controller's ids kept for them
   * cost a set and a delete per job.
   */
  cancel(cids: number[], reason: 'cancel' | 'timeout'): void {
    const wanted = new Set(cids)
    const local: number[] = []
    for (const [id, job] of this.byLocal) {
      if (!wanted.has(job.cid)) continue
      wanted.delete(job.cid)
      job.stopReason ??= reason
      local.push(id)
    }
    if (local.length) this.host.engine.cancel(local)
    if (this.tracked || wanted.size === 0) return
    // Some may not be tracked yet: kept, so run() leaves them out or track() stops them.
    this.packIds ??= new Set(this.pack.jobs.map((j) => j[0]))
    for (const cid of wanted) if (this.packIds.has(cid) && !this.early.has(cid)) this.early.set(cid, reason)
  }

  /** Cancels whatever still runs (the agent is leaving and hands the pack back); see handsBack. */
  abandon(): void {
    this.abandoned = true
    const ids = [...this.byLocal.keys()]
    if (ids.length) this.host.engine.cancel(ids)
  }

  /** A local job's view changed (the engine's feed): its start and progress go out with the next flush. */
  changed(view: JobView): void {
    const job = this.byLocal.get(view.id)
    if (!job) return
    if (view.state === 'running' && !job.started) {
      job.started = true
      this.pending.started(job.cid, (view.startedAt ?? Date.now()) - this.base)
    }
    if (view.state === 'running' && view.progress !== job.progress) {
      job.progress = view.progress
      this.pending.progress(job.cid, Math.max(0, Math.min(1, view.progress)), view.note)
    }
  }

  /** A local job settled: its end, under the controller's id, with the tail of its log. */
  settled(view: JobView): void {
    const job = this.byLocal.get(view.id)
    if (!job) return
    this.byLocal.delete(view.id)
    this.host.release(view.id)
    if (this.abandoned && view.state === 'cancelled' && !job.stopReason) return this.handBack(job.cid)
    const at = (view.endedAt ?? Date.now()) - this.base
    const hasLog = view.logFile !== null
    const startedAt = view.startedAt === null ? at : view.startedAt - this.base
    if (view.state === 'succeeded' && !hasLog && (view.result ?? null) === null && (view.resultFile ?? null) === null)
      return this.ok(job, startedAt, at)
    const dropped = view.state === 'cancelled' && view.startedAt === null && job.stopReason !== 'timeout'
    let end: End
    if (view.state === 'succeeded')
      end = { t: 'done', at, result: view.result ?? null, resultFile: view.resultFile ?? null, hasLog }
    else if (dropped) end = DROPPED
    else if (view.state === 'cancelled' || view.state === 'timed-out' || job.stopReason) {
      const code = job.stopReason === 'timeout' || view.state === 'timed-out' ? 'timeout' : 'cancelled'
      end = { t: 'failed', at, code, message: code === 'timeout' ? 'timed out' : 'cancelled', hasLog }
    } else end = { t: 'failed', at, code: view.error?.code ?? 'job-error', message: view.error?.message ?? view.state, hasLog }
    // The return value carries every job's start too: a start still waiting for its flush
    // when the pack ended would be lost otherwise (the controller keeps the first it sees).
    const start = dropped ? null : startedAt
    if (!hasLog) return this.finish(job.cid, end, start, job.started)
    // The log is read off the engine's thread (async), then the end goes out with it.
    this.chain = this.chain.then(async () => {
      // Read first, then push: `this.pendingLogs.push(await …)` would pick the array before
      // the await, and a flush during the read swaps it for a new one (the log went to the
      // report already sent, and the return value got the new array's missing last item).
      const log: ShippedLog = [job.cid, ...(await readTail(view.logFile!))]
      this.pendingLogs.push(log)
      this.logs.push(log)
      this.finish(job.cid, end, start, job.started)
    })
  }

  /** The common end of a short job (succeeded, nothing to carry): four values on the wire, not nine. */
  private ok(job: LocalJob, startedAt: number, at: number): void {
    this.finals.ok(job.cid, startedAt, at)
    if (job.started) this.pending.done(job.cid, at, null, null, false)
    else this.pending.ok(job.cid, startedAt, at)
    if (--this.remaining === 0) this.resolveDone?.()
  }

  /**
   * A job's end (none: it goes unreported) into both runs, after its start (at `startedAt`;
   * null: none), which the pending run has already when it was sent (`startSent`).
   */
  private end(cid: number, end: End | null, startedAt: number | null, startSent = false): void {
    writeEnd(this.finals, cid, end, startedAt)
    writeEnd(this.pending, cid, end, startSent ? null : startedAt)
  }

  private finish(cid: number, end: End | null, startedAt: number | null, startSent = false): void {
    this.end(cid, end, startedAt, startSent)
    if (--this.remaining === 0) this.resolveDone?.()
  }

  /** Events since the last flush (progress data), or null when there are none. */
  takePending(): AgentReport | null {
    if (!this.pending.hasEvents) return null
    const report = { agent: this.host.name, e: this.pending.take(), logs: this.pendingLogs }
    this.pendingLogs = []
    return report
  }

  /** Every job's end: the pack's return value (taken once, as the pack ends). */
  result(): AgentReport {
    return { agent: this.host.name, e: this.finals.take(), logs: this.logs }
  }

  /** Controller job ids running here now, with their local ids. */
  *running(): Iterable<[localId: number, cid: number, kind: string]> {
    for (const [localId, job] of this.byLocal) {
      if (job.started) yield [localId, job.cid, job.kind]
    }
  }
}

function writeEnd(run: ReportWriter, cid: number, end: End | null, startedAt: number | null): void {
  if (startedAt !== null) run.startedWithEnd(cid, startedAt)
  if (end === null) return
  if (end.t === 'done') run.done(cid, end.at, end.result, end.resultFile, end.hasLog)
  else if (end.t === 'failed') run.failed(cid, end.at, end.code, end.message, end.hasLog)
  else run.dropped(cid)
}

/** Whether every job has the first one's kind, params (as JSON) and memory ceiling. */
function allAlike(jobs: ToRun[]): boolean {
  const first = jobs[0]!
  let params: string | null = null
  for (let i = 1; i < jobs.length; i++) {
    const j = jobs[i]!
    if (j.kind !== first.kind || j.memoryMb !== first.memoryMb) return false
    if (j.params === first.params || (isEmpty(j.params) && isEmpty(first.params))) continue
    params ??= JSON.stringify(first.params)
    if (JSON.stringify(j.params) !== params) return false
  }
  return true
}

function isEmpty(params: Record<string, unknown>): boolean {
  for (const _ in params) return false
  return true
}

/**
 * A log's tail with its stderr stretches (offsets in the text, as AgentReportSchema says), read
 * after the job ended. Never rejects: a read that fails ships a line saying why, since a
 * rejection here would leave its job, and every job with a log after it, unfinished (the pack
 * would never end).
 */
export async function readTail(file: string): Promise<[text: string, stderr: number[]]> {
  return readTailOrThrow(file).catch((error: Error) => [`[the log could not be read on the agent: ${error.message}]\n`, []])
}

async function readTailOrThrow(file: string): Promise<[text: string, stderr: number[]]> {
  const handle = await open(file, 'r').catch(() => null)
  if (!handle) return ['', []]
  try {
    const { size } = await handle.stat()
    const length = Math.min(size, LOG_TAIL_BYTES)
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, size - length)
    const note = size > length ? `[… the first ${size - length} bytes are on the agent]\n` : ''
    const tail = textWithStderr(buffer.subarray(0, bytesRead), size - length, await readStderrRanges(file, size - length))
    // Touching stretches (two stderr writes in a row) are one: the schema wants them apart.
    const stderr: number[] = []
    for (const [start, end] of tail.stderr) {
      if (stderr.length && stderr[stderr.length - 1] === note.length + start) stderr[stderr.length - 1] = note.length + end
      else stderr.push(note.length + start, note.length + end)
    }
    return [note + tail.text, stderr]
  } finally {
    await handle.close()
  }
}
