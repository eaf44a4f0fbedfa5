// What an executor holds: the jobs handed to it and not yet finished, how many of them have
// started, and how long the rest should take. Every executor (a local worker, a remote
// machine) owns one, and only take/started/release change it, so the balancer and the job
// state machine read the same numbers without writing them.
import { WORKER_VIEW_JOB_IDS, type JobState } from '../../../shared/job.ts'

export interface LoadedJob {
  readonly id: number
  readonly state: JobState
}

export class ExecutorLoad<J extends LoadedJob = LoadedJob> {
  /** Jobs handed over and not yet finished, in the order they were sent. */
  readonly #assigned = new Set<J>()
  #running = 0
  #expectedMs = 0
  #jobsDone = 0

  /** How many jobs it holds. */
  get size(): number {
    return this.#assigned.size
  }

  get busy(): boolean {
    return this.#assigned.size > 0
  }

  /** Jobs it has reported started and not yet ended. */
  get running(): number {
    return this.#running
  }

  /** Expected milliseconds of work still held, from each kind's recent durations. */
  get expectedMs(): number {
    return this.#expectedMs
  }

  get jobsDone(): number {
    return this.#jobsDone
  }

  has(job: J): boolean {
    return this.#assigned.has(job)
  }

  jobs(): IterableIterator<J> {
    return this.#assigned.values()
  }

  /** Takes jobs; `expectedMs` is their expected run time all together. */
  take(jobs: readonly J[], expectedMs: number): void {
    for (let i = 0; i < jobs.length; i++) this.#assigned.add(jobs[i]!)
    this.#expectedMs += expectedMs
  }

  /** One of its jobs reported its start. */
  started(): void {
    this.#running++
  }

  /** One of its jobs reported its end. */
  finished(): void {
    this.#jobsDone++
  }

  /**
   * A job left it (finished, dropped, or lost with it); `costMs` is what its kind usually
   * takes. Returns false if it did not hold the job.
   */
  release(job: J, costMs: number): boolean {
    if (!this.#assigned.delete(job)) return false
    if (job.state === 'running') this.#running--
    this.#expectedMs = this.#assigned.size === 0 ? 0 : Math.max(0, this.#expectedMs - costMs)
    return true
  }

  /** Up to WORKER_VIEW_JOB_IDS running jobs, stopping as soon as it has them: a view must not cost O(jobs held). */
  someRunningIds(): number[] {
    const ids: number[] = []
    const wanted = Math.min(this.#running, WORKER_VIEW_JOB_IDS)
    if (wanted === 0) return ids
    for (const job of this.#assigned) {
      if (job.state !== 'running') continue
      ids.push(job.id)
      if (ids.length >= wanted) break
    }
    return ids
  }
}
