// The engine's batch controls built in one place: the start gates (--delay, --max-load,
// --mem-free) and the dependencies, each given the few engine operations it needs, so the
// facade (engine.ts) only calls them at its fixed points (submit, dispatch, cancel, retry,
// job ends, restore, close).
import type { Executor } from './executors/executor.ts'
import { systemAdmissionSource } from './admission-source.ts'
import type { AdmissionSource } from './admission.ts'
import { BatchDependencies } from './batch-dependencies.ts'
import { BatchGates } from './batch-gates.ts'
import type { JobRecord } from './job-record.ts'
import type { JobStates } from './job-states.ts'
import type { StopControl } from './stop-control.ts'

export interface ControlsHost {
  putBack(jobs: JobRecord[]): void
  changed(job: JobRecord): void
  /** Into its lane's queue, and dispatch. */
  queue(job: JobRecord): void
  states: JobStates
  stop: StopControl<JobRecord, Executor>
  nextSeq(): number
  admissionSource?: () => AdmissionSource
}

export function createBatchControls(host: ControlsHost): { gates: BatchGates; deps: BatchDependencies } {
  const gates = new BatchGates({
    putBack: host.putBack,
    changed: host.changed,
    running: (batchId) => [...host.states.all()].filter((job) => job.batchId === batchId && job.state === 'running'),
    requeue: (job, reason) => {
      if (job.state !== 'running' || job.stopping) return
      // Stopped as a cancel; job-states.ts sees the reason and queues it again instead of ending it.
      job.requeueReason = reason
      host.stop.stop(job, 'cancel')
    },
    admissionSource: host.admissionSource ?? (() => systemAdmissionSource()),
  })
  const deps = new BatchDependencies({
    queue: host.queue,
    block: (job, error) => host.states.finish(job, 'cancelled', error, Date.now()),
    reopen: (job) => {
      job.resetForRetry(host.nextSeq())
      host.states.setState(job, 'queued')
    },
    changed: host.changed,
  })
  return { gates, deps }
}
