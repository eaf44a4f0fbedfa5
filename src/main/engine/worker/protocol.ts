// The message protocol between the engine and its workers. Threads and processes speak it
// alike, so an executor is just "something that takes jobs and reports events".
// Events travel flattened in one array per flush: batching is what makes short jobs cheap.
import type { ExecutorType, JobError } from '../../../shared/job.ts'

/** How a worker runs what it is given: one job after another (CPU lane) or all at once (I/O lane). */
export type WorkerMode = 'serial' | 'concurrent'

export interface WorkerInit {
  workerId: number
  executor: ExecutorType
  mode: WorkerMode
  dataDir: string
  /**
   * Thread workers only: a shared counter the engine bumps after every message it posts, so an
   * idle worker can wait on it with Atomics.wait and take the message at once, instead of
   * waiting for its event loop to wake (that wake-up is most of a round trip's latency).
   */
  wake?: Int32Array
}

/** One job handed to a worker: [id, kind, params, attempt]. A tuple keeps the message small. */
export type JobMessage = [id: number, kind: string, params: Record<string, unknown>, attempt: number]

export type ToWorker =
  | { t: 'init'; init: WorkerInit }
  | { t: 'run'; jobs: JobMessage[] }
  | { t: 'cancel'; id: number; reason: 'cancel' | 'timeout' }
  | { t: 'stop' }

export const EV_STARTED = 1 // id, at
export const EV_DONE = 2 // id, at, result, resultFile | null, hasLog
export const EV_FAILED = 3 // id, at, code, message, hasLog
export const EV_PROGRESS = 4 // id, fraction, note
export const EV_DROPPED = 5 // id  (cancelled before it started)
/**
 * id, at: started, and its EV_DONE or EV_FAILED follows in the same message. The worker
 * rewrites EV_STARTED to this when a job ends before its start was sent, so the engine can
 * skip the passing "running" state (short jobs: one state change per job instead of two).
 */
export const EV_STARTED_ENDED = 6

export type FromWorker = { t: 'hello'; pid: number; tid: number | null; executor: ExecutorType } | { t: 'ev'; e: unknown[] }

export type FailureCode = JobError['code']
