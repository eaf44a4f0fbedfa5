// Restoring: the jobs loaded from the store come back into the engine before anything is
// submitted. Finished jobs keep their results, queued ones are queued again, and jobs that
// were running (or waiting to retry) when the process stopped come back as `interrupted`.
import { Batch } from './batch.ts'
import type { JobQueue } from './job-queue.ts'
import { JobRecord } from './job-record.ts'
import type { JobStates } from './job-states.ts'
import type { LoadedState } from './store/job-store.ts'
import type { RestoreOptions } from './types.ts'
import type { Lane } from '../../shared/job.ts'

export interface RestoreTarget {
  readonly epoch: number
  readonly states: JobStates
  readonly queues: Record<Lane, JobQueue<JobRecord>>
  /** The job changed (an interrupted one is written back with its new state). */
  changed(job: JobRecord): void
}

export function restoreJobs(
  target: RestoreTarget,
  state: LoadedState,
  options: RestoreOptions,
): { restored: number; interrupted: number[] } {
  const { states } = target
  const only = options.batches ? new Set(options.batches) : null
  const batchRows = new Map(state.batches.map((b) => [b.id, b]))
  const interrupted: number[] = []
  let restored = 0
  for (const row of state.jobs) {
    if (only && !only.has(row.batchId)) continue
    let batch = states.batches.get(row.batchId)
    if (!batch) {
      const info = batchRows.get(row.batchId)
      batch = new Batch(row.batchId, info?.name ?? `batch ${row.batchId}`, info?.source ?? null, info?.createdAt ?? row.createdAt)
      states.batches.set(batch.id, batch)
    }
    // Placed directly: restoring is not an event (no settled callbacks, no rewrite of unchanged rows).
    const job = JobRecord.fromRow(row, target.epoch)
    if (job.state === 'running' || job.state === 'retrying') {
      job.state = 'interrupted'
      job.error = { code: 'interrupted', message: 'Corelane stopped while this job was running' }
      interrupted.push(job.id)
      target.changed(job)
    }
    states.place(job, batch)
    // A job that waits for others is queued by its batch's dependencies once they succeed.
    if (job.state === 'queued' && !job.after) target.queues[job.lane].push(job)
    restored++
  }
  return { restored, interrupted }
}
