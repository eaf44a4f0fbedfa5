// Where each job ran, as the workers stream tells it: the cores its worker's thread was seen
// on while running it, the worker's pid/tid, and (when the worker ran that job alone) the CPU
// time the thread used meanwhile. The engine reports cores and CPU per worker, not per job,
// so this is what the window can honestly say about one job; kept for the most recent jobs.
import type { WorkerView } from '../../../shared/job.ts'

export interface JobPlacement {
  workerId: number
  pid: number | null
  tid: number | null
  /** Cores seen, in the order first seen. */
  cores: number[]
  /** The thread's CPU time when first and last seen running this job alone (null: shared). */
  cpuFirstMs: number | null
  cpuLastMs: number | null
  /** False once the worker ran other jobs at the same time: its CPU time is not this job's. */
  alone: boolean
}

export class JobPlacements {
  private readonly byJob = new Map<number, JobPlacement>()
  private readonly keep: number

  constructor(keep = 5000) {
    this.keep = keep
  }

  observe(workers: readonly WorkerView[]): void {
    for (const w of workers) {
      if (w.state !== 'busy') continue
      for (const jobId of w.jobIds) {
        let p = this.byJob.get(jobId)
        if (!p || p.workerId !== w.id) {
          // A retry on another worker starts a new record: its cores are the new worker's.
          p = { workerId: w.id, pid: w.pid, tid: w.tid, cores: [], cpuFirstMs: null, cpuLastMs: null, alone: true }
          this.byJob.delete(jobId)
          this.byJob.set(jobId, p)
        }
        if (w.core !== null && !p.cores.includes(w.core)) p.cores.push(w.core)
        if (w.running !== 1) p.alone = false
        else if (p.alone && w.cpuTimeMs !== null) {
          p.cpuFirstMs ??= w.cpuTimeMs
          p.cpuLastMs = w.cpuTimeMs
        }
      }
    }
    while (this.byJob.size > this.keep) {
      const oldest = this.byJob.keys().next().value as number
      this.byJob.delete(oldest)
    }
  }

  get(jobId: number): Readonly<JobPlacement> | undefined {
    return this.byJob.get(jobId)
  }

  /** CPU time the job's thread used while it was seen running it alone, or null. */
  cpuTimeMs(jobId: number): number | null {
    const p = this.byJob.get(jobId)
    if (!p || !p.alone || p.cpuFirstMs === null || p.cpuLastMs === null) return null
    return p.cpuLastMs - p.cpuFirstMs
  }

  clear(): void {
    this.byJob.clear()
  }
}
