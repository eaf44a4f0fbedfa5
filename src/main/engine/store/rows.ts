// The shapes that travel between the engine and its store worker: compact tuples for the
// hot path (job writes), plain objects for the rare ones (load, history).
import type { JobView } from '../../../shared/job.ts'

/**
 * One job's row. `params` is null after the first write: params never change, so they are
 * written once and kept by the upsert.
 */
export type JobRowTuple = [
  id: number,
  batchId: number,
  name: string | null,
  kind: string,
  params: string | null,
  lane: string,
  executor: string,
  priority: number,
  state: string,
  attempts: number,
  maxRetries: number,
  timeoutMs: number,
  memoryMb: number,
  progress: number,
  note: string | null,
  createdAt: number,
  startedAt: number | null,
  endedAt: number | null,
  result: string | null,
  resultFile: string | null,
  error: string | null,
  hasLog: number,
  seq: number,
  /** Ids of the jobs it waits for, as JSON; like params, written once (null after, or when none). */
  afterIds: string | null,
  machine: string | null,
]

export interface BatchRow {
  id: number
  name: string
  createdAt: number
  /** Where the batch came from (a batch file's absolute path, or "ui"), for --resume. */
  source: string | null
}

/** A job as loaded back from the database, ready to rebuild the engine's record. */
export interface StoredJob {
  id: number
  batchId: number
  name: string | null
  kind: string
  params: Record<string, unknown>
  lane: JobView['lane']
  executor: JobView['executor']
  priority: number
  state: JobView['state']
  attempts: number
  maxRetries: number
  timeoutMs: number
  memoryMb: number
  progress: number
  note: string | null
  createdAt: number
  startedAt: number | null
  endedAt: number | null
  result: unknown
  resultFile: JobView['resultFile'] | null
  error: JobView['error'] | null
  hasLog: boolean
  seq: number
  /** Ids of the jobs of its batch it waits for (dependencies), when it has any. */
  after?: number[]
  /** The cluster agent its last attempt ran on; null: this machine, or it never ran. */
  machine: string | null
}

export interface HistoryFilter {
  state?: string
  kind?: string
  batchId?: number
  /** Matches the job's name. */
  text?: string
  offset?: number
  limit?: number
}

/** A batch row with the number of its jobs the database holds (the History view's batch names). */
export interface StoredBatch {
  id: number
  name: string
  createdAt: number
  jobs: number
}

export interface HistoryPage {
  total: number
  jobs: StoredJob[]
}

export type ToStore =
  | { t: 'open'; id: number; file: string; moveAsideCorrupt: boolean }
  | { t: 'write'; jobs: JobRowTuple[]; batches: BatchRow[] }
  | { t: 'load'; id: number; limit: number }
  | { t: 'history'; id: number; filter: HistoryFilter }
  | { t: 'batches'; id: number; limit: number }
  | { t: 'params'; id: number; jobId: number }
  | { t: 'flush'; id: number }
  | { t: 'close'; id: number }

export type FromStore =
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: string; code?: string }
  | { t: 'write-error'; error: string }
