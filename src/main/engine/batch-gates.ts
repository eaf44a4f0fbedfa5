// Per-batch start gates: GNU parallel's --delay (starts at least delayMs apart), --load (no
// new CPU job while the load is at or above maxLoad) and --memfree (no new job while free
// memory is below memFree; below half, the youngest running job goes back to the queue).
//
// The balancer reads the lane's queue through `wrap`: a job whose batch's gate is closed is
// taken out of the queue and parked (still `queued`, its note saying why it waits), so jobs of
// other batches behind it are not held up. Parked jobs go back to the front of the queue when
// their gate may have opened: at the delay's next due time, or when the admission source has a
// new sample. A batch with a delay gets one job back per due time (the rest would only be
// parked again); a batch held by admission gets them all back.
import { delayMs, memFreeBytes } from '../../shared/controls.ts'
import { ValidationError, type FieldProblem } from '../../shared/validate.ts'
import type { BalancedQueue } from './balancer.ts'
import { admit, youngestToRequeue, type AdmissionLimits, type AdmissionSource } from './admission.ts'
import type { JobQueue } from './job-queue.ts'
import type { JobRecord } from './job-record.ts'
import { StartPacer } from './start-pacer.ts'

export interface GateSettings extends AdmissionLimits {
  /** Milliseconds between two job starts of the batch. */
  delayMs?: number
}

export interface GateHost {
  /** Puts jobs back at the front of their lane's queue and dispatches. */
  putBack(jobs: JobRecord[]): void
  /** The job changed (its note). */
  changed(job: JobRecord): void
  /** The batch's running jobs (for --mem-free's requeue). */
  running(batchId: number): Iterable<JobRecord>
  /** Stops a running job and queues it again (GNU parallel kills it and puts it back). */
  requeue(job: JobRecord, reason: string): void
  /** The admission source, created on first need (tests inject one; the default reads the machine). */
  admissionSource(): AdmissionSource
}

interface Gate {
  settings: GateSettings
  pacer: StartPacer | null
  /** In the order they were parked (a Set keeps it, and a cancel takes one out at once). */
  parked: Set<JobRecord>
  /** The job last handed out under the delay, until its start is reported: the delay counts from its start. */
  awaiting: JobRecord | null
}

export class BatchGates {
  private readonly host: GateHost
  private readonly gates = new Map<number, Gate>()
  private timer: NodeJS.Timeout | null = null
  private timerAt = Infinity
  private source: AdmissionSource | null = null
  private offSample: (() => void) | null = null

  constructor(host: GateHost) {
    this.host = host
  }

  /** Gives a batch its gates (nothing to do for a batch without any). */
  set(batchId: number, settings: GateSettings): void {
    const { delayMs, maxLoad, memFree } = settings
    if (!delayMs && maxLoad === undefined && memFree === undefined) return
    this.gates.set(batchId, { settings, pacer: delayMs ? new StartPacer(delayMs) : null, parked: new Set(), awaiting: null })
    if ((maxLoad !== undefined || memFree !== undefined) && !this.source) {
      this.source = this.host.admissionSource()
      this.offSample = this.source.onSample(() => this.sampled())
    }
  }

  /** Some batch has gates. */
  get active(): boolean {
    return this.gates.size > 0
  }

  /** The lane's queue as the balancer should see it: jobs whose gate is closed are parked. */
  wrap(queue: JobQueue<JobRecord>): BalancedQueue<JobRecord> {
    if (this.gates.size === 0) return queue
    return {
      get size() {
        return queue.size
      },
      peek: () => {
        for (;;) {
          const head = queue.peek()
          if (!head) return undefined
          const gate = this.gates.get(head.batchId)
          const why = gate && this.closed(gate, head)
          if (!why) return head
          queue.shift()
          this.park(gate!, head, why)
        }
      },
      shift: () => {
        const job = queue.shift()
        if (job) {
          const gate = this.gates.get(job.batchId)
          if (gate?.pacer) {
            gate.pacer.take(Date.now())
            gate.awaiting = job
          }
          if (job.note?.startsWith('waiting for')) {
            job.note = null
            this.host.changed(job)
          }
        }
        return job
      },
    }
  }

  /**
   * A job started. Under a delay the next start is due one delay after this one (a worker
   * that was still starting up makes the start later than the hand-off: GNU parallel spaces
   * starts, so the delay counts from here).
   */
  started(job: JobRecord): void {
    const gate = this.gates.get(job.batchId)
    if (!gate?.pacer || gate.awaiting !== job) return
    gate.awaiting = null
    gate.pacer.take(Date.now())
    if (gate.parked.size) this.wakeAt(gate.pacer.nextAt())
  }

  /** Takes a parked job out (it is being cancelled); false when it was not parked. */
  unpark(job: JobRecord): boolean {
    return this.gates.get(job.batchId)?.parked.delete(job) ?? false
  }

  /** Forgets the gates of batches that are gone (clear finished). */
  prune(keep: (batchId: number) => boolean): void {
    for (const batchId of this.gates.keys()) if (!keep(batchId)) this.gates.delete(batchId)
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.offSample?.()
    this.source?.stop()
  }

  /** Why the gate holds this job now, or null. */
  private closed(gate: Gate, job: JobRecord): string | null {
    const now = Date.now()
    // A job handed out that ended without starting (cancelled, not sent) no longer holds the gate.
    if (gate.awaiting && gate.awaiting.state !== 'queued') {
      gate.awaiting = null
      if (gate.pacer) this.wakeAt(gate.pacer.nextAt())
    }
    if (gate.pacer && (gate.awaiting || !gate.pacer.due(now)))
      return `waiting for the delay: ${gate.settings.delayMs} ms between starts`
    if (!this.source) return null
    // The load limit holds CPU jobs only; memory every job.
    const limited = gate.settings.memFree !== undefined || (gate.settings.maxLoad !== undefined && job.lane === 'cpu')
    if (limited && this.source.ready?.() === false) return 'waiting for the first reading of load and free memory'
    const verdict = admit(job.lane, gate.settings, this.source.sample())
    return verdict.admit ? null : verdict.reason
  }

  private park(gate: Gate, job: JobRecord, why: string): void {
    gate.parked.add(job)
    if (job.note !== why) {
      job.note = why
      this.host.changed(job)
    }
    // While a handed-out job has not started, its start (started()) sets the next wake.
    if (gate.pacer && !gate.awaiting) this.wakeAt(gate.pacer.nextAt())
  }

  private wakeAt(at: number): void {
    if (at >= this.timerAt) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(
      () => {
        this.timer = null
        this.timerAt = Infinity
        this.release()
      },
      Math.max(0, at - Date.now()),
    )
  }

  /** Puts back what may go now: one job of a delayed batch, all of a batch held by admission. */
  private release(): void {
    const back: JobRecord[] = []
    for (const gate of this.gates.values()) {
      const first = gate.parked.values().next().value
      if (first === undefined) continue
      const why = this.closed(gate, first)
      if (why) {
        // Still closed, maybe for another reason (the first reading came, and says the load is high):
        // the parked jobs say the new one (walked only when it changes).
        if (first.note !== why) {
          for (const job of gate.parked) {
            job.note = why
            this.host.changed(job)
          }
        }
        if (gate.pacer && !gate.awaiting) this.wakeAt(gate.pacer.nextAt())
        continue
      }
      if (gate.pacer) {
        gate.parked.delete(first)
        back.push(first)
      } else {
        back.push(...gate.parked)
        gate.parked.clear()
      }
    }
    if (back.length) this.host.putBack(back.sort((a, b) => b.priority - a.priority || a.seq - b.seq))
  }

  /** A new admission sample: release what it admits; below half of mem-free, give back the youngest job. */
  private sampled(): void {
    const sample = this.source!.sample()
    for (const [batchId, gate] of this.gates) {
      if (gate.settings.memFree === undefined) continue
      const youngest = youngestToRequeue(gate.settings, sample, this.host.running(batchId))
      if (youngest) this.host.requeue(youngest, 'requeued: free memory fell below half of mem-free')
    }
    this.release()
  }
}

/** A batch's gates from its submit request; a value that is not one is refused by name. */
export function gatesOf(request: { delay?: number | string; maxLoad?: number; memFree?: number | string }): GateSettings {
  const gates: GateSettings = {
    delayMs: delayMs(request.delay),
    maxLoad: request.maxLoad,
    memFree: memFreeBytes(request.memFree),
  }
  const problems: FieldProblem[] = []
  if (request.delay !== undefined && !(gates.delayMs! >= 0))
    problems.push({ field: 'delay', message: 'must be milliseconds, or a number with s, m, h or d' })
  if (request.maxLoad !== undefined && !(request.maxLoad >= 0))
    problems.push({ field: 'maxLoad', message: 'must be a number, 0 or more' })
  if (request.memFree !== undefined && !(gates.memFree! >= 0))
    problems.push({ field: 'memFree', message: 'must be a size in bytes, or 512M, 2G' })
  if (problems.length) throw new ValidationError(problems)
  return gates
}
