// Retries in a streamed batch with dependencies. A stream keeps no graph of its jobs (only the
// recent names, stream-dependencies.ts), and its finished jobs leave memory, so what a failed
// job had stopped is not at hand when it is retried. Here the retried jobs of a batch wait,
// queued but in no queue, while the store's thread finds the jobs they stopped (at every
// level) and the outcome of everything those wait for, from the batch's rows; the jobs still
// in memory are taken as they are, the others are read back. Then the batch's dependencies
// (batch-dependencies.ts, adopt) reopen them exactly as a retry in a batch submitted whole
// does: what the retried jobs stopped waits for them again, and runs once they succeed.
// Without a store the engine's own jobs are searched instead (nothing left memory unwritten).
import { JobRecord } from './job-record.ts'
import type { JobStates } from './job-states.ts'
import type { StoredJob } from './store/rows.ts'
import { isStopped, otherDependencies, stoppedBy } from './stopped-dependents.ts'

export interface RetryLookupHost {
  readonly epoch: number
  readonly states: JobStates
  /** The store, when there is one: its rows are where a stream's finished jobs are. */
  readonly store: {
    stoppedRows(
      batchId: number,
      roots: number[],
      dependencies: number[],
    ): Promise<{ stopped: StoredJob[]; dependencies: StoredJob[] }>
  } | null
  /** Every change so far in the store (so the rows read are current). */
  flush(): Promise<void>
  /** A retried job that has nothing to do with dependencies: to its queue. */
  queue(job: JobRecord): void
  /** The retried jobs (still queued, not cancelled meanwhile) and what they stopped, to the batch's dependencies. */
  adopt(batchId: number, retried: JobRecord[], found: JobRecord[]): void
}

export class StreamRetries {
  private readonly host: RetryLookupHost
  /** Retried jobs waiting for their batch's lookup, by batch (one lookup for the retries of one turn of the loop). */
  private readonly byBatch = new Map<number, JobRecord[]>()
  private readonly waiting = new Set<JobRecord>()

  constructor(host: RetryLookupHost) {
    this.host = host
  }

  /** A retried job of a stream: held until its batch's lookup answers. */
  hold(job: JobRecord): void {
    this.waiting.add(job)
    const list = this.byBatch.get(job.batchId)
    if (list) return void list.push(job)
    this.byBatch.set(job.batchId, [job])
    queueMicrotask(() => void this.lookup(job.batchId))
  }

  /** Whether the job was held here (a cancel or the engine closing: it is in no queue). */
  release(job: JobRecord): boolean {
    return this.waiting.delete(job)
  }

  private async lookup(batchId: number): Promise<void> {
    const asked = this.byBatch.get(batchId) ?? []
    this.byBatch.delete(batchId)
    let found: JobRecord[]
    try {
      found = await this.find(batchId, asked)
    } catch {
      // The store could not answer (it failed, or closed with the engine): what is in memory.
      found = this.findInMemory(batchId, asked)
    }
    const retried = asked.filter((job) => this.waiting.delete(job) && job.state === 'queued')
    // A job that waits for nothing and stopped nothing just runs again: no graph is kept for it.
    const waitedFor = new Set(found.flatMap((job) => job.after ?? []))
    const linked: JobRecord[] = []
    for (const job of retried) {
      if (job.after?.length || waitedFor.has(job.id)) linked.push(job)
      else this.host.queue(job)
    }
    if (linked.length) this.host.adopt(batchId, linked, found)
  }

  private async find(batchId: number, roots: JobRecord[]): Promise<JobRecord[]> {
    const store = this.host.store
    if (!store) return this.findInMemory(batchId, roots)
    await this.host.flush()
    const rows = await store.stoppedRows(
      batchId,
      roots.map((job) => job.id),
      roots.flatMap((job) => job.after ?? []),
    )
    // A job still in memory is the one to move on (its row may be a moment behind it).
    return [...rows.stopped, ...rows.dependencies].map(
      (row) => this.host.states.get(row.id) ?? JobRecord.fromRow(row, this.host.epoch),
    )
  }

  /** The same search over the jobs in memory (no store: nothing has left memory unwritten). */
  private findInMemory(batchId: number, roots: JobRecord[]): JobRecord[] {
    const ids = roots.map((job) => job.id)
    const from = ids.reduce((a, b) => Math.min(a, b)) // not a spread: a resume retries a whole stream
    const candidates: JobRecord[] = []
    for (const job of this.host.states.all()) if (job.batchId === batchId && job.id > from && isStopped(job)) candidates.push(job)
    const stopped = stoppedBy(
      candidates.sort((a, b) => a.id - b.id),
      ids,
    )
    const dependencies = otherDependencies([...roots, ...stopped], ids)
      .map((id) => this.host.states.get(id))
      .filter((job) => job !== undefined && job.state !== 'succeeded') as JobRecord[]
    return [...stopped, ...dependencies]
  }
}
