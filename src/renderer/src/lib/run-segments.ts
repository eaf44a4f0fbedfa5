// Who ran what, when: one segment per job attempt on a worker, fed from job updates and kept
// for a few minutes, so the task stream can draw the last N seconds without scanning all jobs.
import type { JobView } from '../../../shared/job.ts'

export interface RunSegment {
  jobId: number
  name: string
  workerId: number
  kind: string
  start: number
  /** null while running. */
  end: number | null
  failed: boolean
}

export class RunSegments {
  /** The latest attempt of each job, running or finished. */
  private readonly latest = new Map<number, RunSegment>()
  private readonly active = new Set<RunSegment>()
  private done: RunSegment[] = []
  private lastPrune = 0
  private readonly keepMs: number
  private readonly maxDone: number

  constructor(keepMs = 5 * 60_000, maxDone = 50_000) {
    this.keepMs = keepMs
    this.maxDone = maxDone
  }

  observe(job: JobView, now = Date.now()): void {
    const prev = this.latest.get(job.id)
    const ended = job.endedAt !== null || job.state !== 'running'
    if (prev && prev.end === null) {
      // The engine clears workerId when a job leaves its worker, so match attempts by start time.
      if (job.startedAt !== prev.start)
        this.finish(prev, job.startedAt ?? now, true) // a retry began
      else {
        if (ended) this.finish(prev, job.endedAt ?? now, job.state !== 'succeeded')
        return
      }
    }
    if (job.startedAt === null || job.workerId === null) return
    if (prev && prev.start === job.startedAt) return // this attempt is already recorded
    const segment: RunSegment = {
      jobId: job.id,
      name: job.name,
      workerId: job.workerId,
      kind: job.kind,
      start: job.startedAt,
      end: null,
      failed: false,
    }
    this.latest.set(job.id, segment)
    this.active.add(segment)
    if (ended) this.finish(segment, job.endedAt ?? now, job.state !== 'succeeded')
  }

  /** A job that left the engine (cleared): its history stays until it scrolls out. */
  forget(jobId: number, now = Date.now()): void {
    const segment = this.latest.get(jobId)
    if (segment && segment.end === null) this.finish(segment, now, true)
  }

  private finish(segment: RunSegment, end: number, failed: boolean): void {
    segment.end = Math.max(end, segment.start)
    segment.failed = failed
    this.active.delete(segment)
    this.done.push(segment)
    if (this.done.length > this.maxDone * 1.25) this.done = this.done.slice(-this.maxDone)
  }

  /** Drops what ended more than `keepMs` ago; cheap to call often, works at most every 5 s. */
  prune(now = Date.now()): void {
    if (now - this.lastPrune < 5000) return
    this.lastPrune = now
    const cutoff = now - this.keepMs
    this.done = this.done.filter((s) => (s.end as number) >= cutoff)
    for (const [id, segment] of this.latest) if (segment.end !== null && segment.end < cutoff) this.latest.delete(id)
  }

  /** The job's latest attempt (its worker, start and end), while it is kept. */
  latestOf(jobId: number): Readonly<RunSegment> | undefined {
    return this.latest.get(jobId)
  }

  /** Segments overlapping [from, now]: finished ones first, then the running ones. */
  since(from: number): RunSegment[] {
    const out: RunSegment[] = []
    for (const s of this.done) if ((s.end as number) >= from) out.push(s)
    for (const s of this.active) out.push(s)
    return out
  }

  clear(): void {
    this.latest.clear()
    this.active.clear()
    this.done = []
  }
}
