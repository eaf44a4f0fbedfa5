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
  /** The position of the template input it was made from (a stream's jobs), or null. Written once. */
  inputIndex: number | null,
]

export interface BatchRow {
  id: number
  name: string
  createdAt: number
  /** Where the batch came from (a batch file's absolute path, or "ui"), for --resume. */
  source: string | null
  /**
   * How many jobs the batch holds once fully expanded, when known. Written with the batch's
   * first rows, in the same transaction, so a batch with fewer stored jobs than this is known
   * to be incomplete (its submit was cut short) and `--resume` expands the rest.
   */
  total?: number | null
  /** The batch this one continues (the rest of a batch whose submit was cut short). */
  root?: number | null
  /** Set once every job of the batch has been written (for batches whose total is not known up front). */
  complete?: boolean | null
}

/** A stored batch and how many of its jobs are in the database (the "expanded up to" marker). */
export interface BatchSummary extends BatchRow {
  stored: number
}

/**
 * Which stored jobs to bring back: every job of some batches (`finished: false`: only those a
 * resumed run runs again, leaving out the succeeded, failed and timed-out ones; with `failed`
 * the failed and timed-out ones are brought back too, for --resume-failed), or the
 * unfinished ones plus the newest finished.
 */
export type LoadScope = { batches: number[]; finished?: boolean; failed?: boolean } | { recent: number }

/** The outcome of a flush: whether every write so far is committed, and if not why. */
export interface Durability {
  durable: boolean
  /** Job rows not yet committed (kept in the store worker and retried). */
  pendingJobs: number
  error: string | null
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
  /** The template input it was made from (a streamed batch), when recorded. */
  inputIndex?: number | null
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

/**
 * The input indices some batches hold a job for, as sorted, disjoint [from, to) ranges (a
 * stream's stored jobs are mostly contiguous, so this stays small however long the batch),
 * and how many of their rows have no index (written before the column existed).
 */
export interface InputRanges {
  ranges: [from: number, to: number][]
  unindexed: number
}

export interface HistoryPage {
  total: number
  jobs: StoredJob[]
}

/** The jobs a retried job of a stream had stopped (rows), and the others they wait for that did not succeed. */
export interface StoppedRows {
  stopped: StoredJob[]
  dependencies: StoredJob[]
}

/**
 * The nearest earlier job of a streamed batch with a given name, as its row says (a name the
 * stream no longer remembers: stream-dependencies.ts looks it up here before refusing it).
 */
export interface NamedRow {
  id: number
  inputIndex: number | null
  state: JobView['state']
  /** The error's code (`dependency-failed`: it did not run), or null. */
  errorCode: string | null
}

export type ToStore =
  | { t: 'open'; id: number; file: string; moveAsideCorrupt: boolean; readOnly: boolean }
  | { t: 'write'; jobs: JobRowTuple[]; batches: BatchRow[] }
  | { t: 'complete'; batchId: number }
  | { t: 'load'; id: number; scope: LoadScope }
  | { t: 'run-batches'; id: number; source: string | null }
  | { t: 'history'; id: number; filter: HistoryFilter }
  | { t: 'input-ranges'; id: number; batchIds: number[] }
  | { t: 'batches'; id: number; limit: number }
  | { t: 'params'; id: number; jobId: number }
  | { t: 'stopped'; id: number; batchId: number; roots: number[]; dependencies: number[] }
  | { t: 'named'; id: number; batchId: number; name: string; before: number }
  | { t: 'flush'; id: number }
  | { t: 'close'; id: number }

export type FromStore =
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: string; code?: string }
  /** Sent when writes start failing (with the error) and again when they land after all. */
  | ({ t: 'write-state' } & Durability)
