// Pausing one batch while the others run. The balancer reads each lane's queue through `wrap`
// (the admission seam): a queued job of a paused batch that reaches the front is taken out and
// held here, still `queued`, so the jobs of other batches behind it start as before (a plain
// "no" from the balancer's admit would stop the whole lane behind it). Resuming hands the held
// jobs back, to go to the front of their lanes in the order they came. Jobs already running
// finish; a job of a paused batch that comes back to the queue (a retry) is held when it
// reaches the front. Nothing here is persisted: after a restart a batch comes back unpaused.
import type { BalancedQueue } from './balancer.ts'

export interface HoldableJob {
  readonly batchId: number
  readonly priority: number
  readonly seq: number
}

export class BatchPauses<J extends HoldableJob> {
  /** Paused batch id → the jobs held for it, in the order they were met. */
  private readonly held = new Map<number, Set<J>>()

  isPaused(batchId: number): boolean {
    return this.held.has(batchId)
  }

  /** Pauses a batch; false when it already was. */
  pause(batchId: number): boolean {
    if (this.held.has(batchId)) return false
    this.held.set(batchId, new Set())
    return true
  }

  /** Resumes a batch: its held jobs, highest priority first, then in the order they were queued. */
  resume(batchId: number): J[] {
    const jobs = [...(this.held.get(batchId) ?? [])]
    this.held.delete(batchId)
    return jobs.sort((a, b) => b.priority - a.priority || a.seq - b.seq)
  }

  /** Takes a held job out (it is being cancelled, or the engine closes); false when it was not held. */
  unhold(job: J): boolean {
    return this.held.get(job.batchId)?.delete(job) ?? false
  }

  /** Forgets paused batches that are gone (cleared). */
  prune(exists: (batchId: number) => boolean): void {
    for (const batchId of this.held.keys()) if (!exists(batchId)) this.held.delete(batchId)
  }

  /** The lane's queue as the balancer should see it: jobs of paused batches are held as they reach the front. */
  wrap(queue: BalancedQueue<J>): BalancedQueue<J> {
    // No batch paused (almost always): the queue itself, at no cost per job.
    if (this.held.size === 0) return queue
    const peek = (): J | undefined => {
      for (;;) {
        const head = queue.peek()
        const held = head && this.held.get(head.batchId)
        if (!held) return head
        queue.shift()
        held.add(head!)
      }
    }
    return {
      get size() {
        return queue.size
      },
      peek,
      shift: () => (peek() === undefined ? undefined : queue.shift()),
    }
  }
}
