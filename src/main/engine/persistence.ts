// What goes to the store, and when: every job and batch that changed is written in one batch
// at most every PERSIST_INTERVAL_MS (a job's params only on its first write), so a burst of
// a hundred thousand state changes costs a few large transactions instead of one per change.
// Restoring is the other direction: JobRecord.fromRow, used by the engine's restore().
import type { Batch } from './batch.ts'
import { toRow, type JobRecord } from './job-record.ts'
import type { JobStore } from './store/job-store.ts'
import type { BatchRow, JobRowTuple } from './store/rows.ts'

/** Changed jobs are written to the store at most this often. */
const PERSIST_INTERVAL_MS = 100

export class Persistence {
  private readonly store: JobStore | null
  private readonly epoch: number
  private jobs = new Set<JobRecord>()
  private batches = new Set<Batch>()
  private timer: NodeJS.Timeout | null = null

  constructor(store: JobStore | null, epoch: number) {
    this.store = store
    this.epoch = epoch
  }

  /** The job changed: its row is written with the next batch. */
  job(job: JobRecord): void {
    if (!this.store) return
    this.jobs.add(job)
    this.timer ??= setTimeout(this.write, PERSIST_INTERVAL_MS)
  }

  /** A new batch: its row is written with the next write. */
  batch(batch: Batch): void {
    if (this.store) this.batches.add(batch)
  }

  /** Writes what is pending now and resolves once the store has committed it. */
  async flush(): Promise<void> {
    if (!this.store) return
    if (this.timer) clearTimeout(this.timer)
    this.write()
    await this.store.flush()
  }

  private readonly write = (): void => {
    this.timer = null
    if (!this.store) return
    const rows: JobRowTuple[] = []
    for (const job of this.jobs) rows.push(toRow(job, this.epoch))
    const batches: BatchRow[] = []
    for (const batch of this.batches)
      batches.push({ id: batch.id, name: batch.name, createdAt: batch.createdAt, source: batch.source })
    this.jobs = new Set()
    this.batches = new Set()
    this.store.write(rows, batches)
  }
}
