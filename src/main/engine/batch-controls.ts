// The engine's batch controls in one place: the start gates (--delay, --max-load, --mem-free,
// batch-gates.ts) and the dependencies ("after", batch-dependencies.ts; in streams
// stream-dependencies.ts, and stream-retries.ts for their retries), each given the few
// engine operations it needs, and the per-batch pauses beside them, so the facade (engine.ts) only calls them at its fixed points:
// submit, dispatch, a cancel or close of a queued job, retry, a job's end, restore, clear.
import type { JobError, JobSpec } from '../../shared/job.ts'
import { ValidationError } from '../../shared/validate.ts'
import { systemAdmissionSource } from './admission-source.ts'
import type { AdmissionSource } from './admission.ts'
import { BatchDependencies, resolveDependencies } from './batch-dependencies.ts'
import { BatchGates, gatesOf, type GateSettings } from './batch-gates.ts'
import { BatchPauses } from './batch-pauses.ts'
import { StreamDependencies, type NameLookup } from './stream-dependencies.ts'
import { StreamIntakes, type IntakeHost, type StreamHandle, type StreamRequest } from './stream-intake.ts'
import { StreamRetries, type RetryLookupHost } from './stream-retries.ts'
import type { Batch } from './batch.ts'
import type { BalancedQueue } from './balancer.ts'
import type { Executor } from './executors/executor.ts'
import type { JobQueue } from './job-queue.ts'
import { resetForRetry, type JobRecord } from './job-record.ts'
import type { JobStates } from './job-states.ts'
import type { StopControl } from './stop-control.ts'
import type { SubmitRequest } from './types.ts'
import { isTerminal, type Lane } from '../../shared/job.ts'

export interface ControlsHost {
  /** Jobs back to the front of their queue, and dispatch (with no jobs: just dispatch). */
  putBack(jobs: JobRecord[]): void
  changed(job: JobRecord): void
  readonly queues: Record<Lane, JobQueue<JobRecord>>
  readonly states: JobStates
  readonly stop: StopControl<JobRecord, Executor>
  readonly epoch: number
  flushStore(): Promise<void>
}

export class BatchControls {
  readonly gates: BatchGates
  readonly deps: BatchDependencies
  /** `after` inside streamed batches (names of recent earlier inputs), and the streams being read. */
  readonly streamDeps: StreamDependencies
  readonly streams = new StreamIntakes()
  /** Batches paused on their own (batch-pauses.ts): their queued jobs wait, the rest run. */
  readonly pauses = new BatchPauses<JobRecord>()
  /** Retried jobs of streams, held while the store finds what they had stopped (stream-retries.ts). */
  private readonly retries: StreamRetries

  private readonly host: ControlsHost

  constructor(
    host: ControlsHost,
    nextSeq: () => number,
    admissionSource?: () => AdmissionSource,
    store: (RetryLookupHost['store'] & NameLookup['store']) | null = null,
  ) {
    this.host = host
    this.gates = new BatchGates({
      putBack: (jobs) => host.putBack(jobs),
      changed: (job) => host.changed(job),
      running: (batchId) => [...host.states.all()].filter((job) => job.batchId === batchId && job.state === 'running'),
      requeue: (job, reason) => {
        if (job.state !== 'running' || job.stopping) return
        // Stopped as a cancel; job-states.ts sees the reason and queues it again instead of ending it.
        job.requeueReason = reason
        host.stop.stop(job, 'cancel')
      },
      admissionSource: admissionSource ?? (() => systemAdmissionSource()),
    })
    const depsHost = {
      queue: (job: JobRecord) => {
        host.queues[job.lane].push(job)
        host.putBack([])
      },
      block: (job: JobRecord, error: JobError) => host.states.finish(job, 'cancelled', error, Date.now()),
      reopen: (job: JobRecord) => {
        // A stream's job may come back from its row (it had left memory): among the engine's jobs again first.
        host.states.readmit(job)
        resetForRetry(job, nextSeq())
        host.states.setState(job, 'queued')
      },
      changed: (job: JobRecord) => host.changed(job),
    }
    this.deps = new BatchDependencies(depsHost)
    // A name a stream has stopped remembering is looked up in the batch's rows (stream-dependencies.ts).
    this.streamDeps = new StreamDependencies(depsHost, { states: host.states, store, flush: () => host.flushStore() })
    this.retries = new StreamRetries({
      epoch: host.epoch,
      states: host.states,
      store,
      flush: () => host.flushStore(),
      queue: depsHost.queue,
      adopt: (batchId, retried, found) => this.deps.adopt(batchId, retried, found),
    })
  }

  /** A submit's dependencies and gates, checked before its batch exists (a problem names its field). */
  prepare(
    checked: { specs: readonly JobSpec[]; withAfter: boolean },
    request: SubmitRequest,
  ): { deps: number[][] | null; gates: GateSettings } {
    const field = (i: number) => (request.jobs ? `jobs[${i}]` : request.inputs ? `inputs[${i}]` : 'template')
    return { deps: checked.withAfter ? resolveDependencies(checked.specs, field) : null, gates: gatesOf(request) }
  }

  /** The new batch gets its gates; returns its dependencies, for the jobs about to be made. */
  start(batchId: number, prepared: { deps: number[][] | null; gates: GateSettings }): number[][] | null {
    this.gates.set(batchId, prepared.gates)
    return prepared.deps
  }

  /** A new batch's jobs (by id, in order) wait for one another as `deps` says. */
  waitFor(batchId: number, jobIds: readonly number[], deps: number[][]): void {
    this.deps.add(
      batchId,
      jobIds.map((id) => this.host.states.get(id)!),
      deps,
    )
  }

  /** Jobs appended to a streamed batch cannot wait for others: refused by name (`withAfter`: some job names others). */
  refuseStreamed(withAfter: boolean): void {
    if (withAfter) {
      throw new ValidationError([
        { field: 'jobs', message: 'dependencies ("after") are for batches submitted whole, not streamed' },
      ])
    }
  }

  /** Starts reading a stream into `batch` (stream-intake.ts), with the request's gates. */
  stream(host: IntakeHost, batch: Batch, request: StreamRequest): StreamHandle {
    this.gates.set(batch.id, gatesOf(request))
    return this.streams.start(host, this.streamDeps, batch, request)
  }

  /** The lane's queue as the balancer reads it: a paused batch's jobs, then gated ones, are held. */
  wrap(queue: JobQueue<JobRecord>): BalancedQueue<JobRecord> {
    return this.pauses.wrap(this.gates.wrap(queue))
  }

  /** A queued job is in its lane's queue unless a pause or a gate holds it or it waits for others (taken out here). */
  inQueue(job: JobRecord): boolean {
    return (
      !this.pauses.unhold(job) &&
      !this.gates.unpark(job) &&
      !this.deps.release(job) &&
      !this.streamDeps.release(job) &&
      !this.retries.release(job)
    )
  }

  /** Some batch has gates or dependencies, or is being streamed: without any, a job's change has nothing to tell them. */
  get active(): boolean {
    return this.gates.active || this.deps.active || this.streamDeps.active || this.streams.active
  }

  /** A job started or ended (the next --delay), or reached a terminal state (what waits for it). */
  changed(job: JobRecord): void {
    if (job.state !== 'queued') this.gates.started(job)
    if (!isTerminal(job.state)) return
    if (this.deps.active) this.deps.settled(job)
    if (this.streamDeps.active) this.streamDeps.settled(job)
    if (this.streams.active) this.streams.settled(job.batchId)
  }

  /**
   * A retried job goes to its queue (true) unless it waits for others or ended again. A job
   * of a stream (made from its input at `inputIndex`) waits for the store's answer first: what
   * it had stopped, and how what it waits for ended, are in the batch's rows.
   */
  retried(job: JobRecord): boolean {
    if (this.streamDeps.active) this.streamDeps.retried(job)
    if (job.inputIndex >= 0) {
      this.retries.hold(job)
      return false
    }
    return !this.deps.active || this.deps.retried(job)
  }

  /** Gives a batch start gates (an existing one: a resumed batch). */
  gate(batchId: number, request: Pick<SubmitRequest, 'delay' | 'maxLoad' | 'memFree'>): void {
    this.gates.set(batchId, gatesOf(request))
  }

  /** Pauses or resumes one batch; returns the jobs a resume lets go (to put back in the queue). */
  setPaused(batchId: number, paused: boolean): JobRecord[] {
    if (paused) this.pauses.pause(batchId)
    else if (this.pauses.isPaused(batchId)) return this.pauses.resume(batchId)
    return []
  }

  /** The engine is closing: the gates stop sampling, the streams stop reading (their jobs are being cancelled). */
  close(): void {
    this.gates.close()
    this.streams.stopAll()
  }

  /** Forgets the controls of batches that are gone. */
  prune(keep: (batchId: number) => boolean): void {
    this.pauses.prune(keep)
    this.gates.prune(keep)
    this.deps.prune(keep)
  }
}
