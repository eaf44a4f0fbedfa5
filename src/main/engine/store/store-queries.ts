// The store worker's reads: rows back into the engine's shapes (checked, so one bad row is
// reported as damage instead of failing later in the engine), the jobs to restore, batch
// summaries for --resume, and history pages.
import type { DatabaseSync } from 'node:sqlite'
import { freeFormProblem } from '../../../shared/field-problems.ts'
import type {
  BatchRow,
  BatchSummary,
  HistoryFilter,
  HistoryPage,
  InputRanges,
  LoadScope,
  NamedRow,
  StoredBatch,
  StoredJob,
  StoppedRows,
} from './rows.ts'
import { DatabaseFileError } from './store-schema.ts'
import { otherDependencies, stoppedBy } from '../stopped-dependents.ts'

interface JobDbRow {
  id: number
  batch_id: number
  name: string | null
  kind: string
  params: string
  lane: string
  executor: string
  priority: number
  state: string
  attempts: number
  max_retries: number
  timeout_ms: number
  memory_mb: number
  progress: number
  note: string | null
  created_at: number
  started_at: number | null
  ended_at: number | null
  result: string | null
  result_file: string | null
  error: string | null
  has_log: number
  seq: number
  after_ids: string | null
  machine?: string | null
  input_index?: number | null
}

interface BatchDbRow {
  id: number
  name: string
  created_at: number
  source: string | null
  total?: number | null
  root?: number | null
  complete?: number | null
}

const STATES = new Set(['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled', 'timed-out', 'interrupted'])
const LANES = new Set(['cpu', 'io'])
const EXECUTORS = new Set(['thread', 'process'])
const UNFINISHED = "('queued', 'running', 'retrying')"
/** States a resumed run leaves as they are (interrupted and cancelled jobs run again). */
const SETTLED_FOR_GOOD = "('succeeded', 'failed', 'timed-out')"

function damaged(file: string, row: { id: unknown }, what: string): DatabaseFileError {
  return new DatabaseFileError(`${file}: job row ${String(row.id)} is damaged (${what})`, 'corrupt')
}

function parseColumn(file: string, row: JobDbRow, column: keyof JobDbRow, text: string | null): unknown {
  if (text === null) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw damaged(file, row, `its ${column} is not JSON`)
  }
}

/**
 * One row as the engine's StoredJob. A row whose columns are not what Corelane writes is
 * damage (refused, with the way out); a row holding a value nested too deep to copy (written
 * before the schema bounded nesting) comes back failed, its values left behind, so the folder
 * stays usable.
 */
function toStored(file: string, row: JobDbRow): StoredJob {
  if (typeof row.id !== 'number' || typeof row.batch_id !== 'number' || typeof row.kind !== 'string')
    throw damaged(file, row, 'bad id, batch or kind')
  if (!STATES.has(row.state)) throw damaged(file, row, `unknown state ${JSON.stringify(row.state)}`)
  if (!LANES.has(row.lane) || !EXECUTORS.has(row.executor)) throw damaged(file, row, 'unknown lane or executor')
  let params = parseColumn(file, row, 'params', row.params)
  if (params === null || typeof params !== 'object' || Array.isArray(params))
    throw damaged(file, row, 'its params are not an object')
  let result = parseColumn(file, row, 'result', row.result)
  const resultFile = parseColumn(file, row, 'result_file', row.result_file) as StoredJob['resultFile'] | undefined
  let error = parseColumn(file, row, 'error', row.error) as StoredJob['error'] | undefined
  const after = parseColumn(file, row, 'after_ids', row.after_ids ?? null)
  if (after !== undefined && !(Array.isArray(after) && after.every((id) => Number.isSafeInteger(id))))
    throw damaged(file, row, 'its after_ids are not a list of job ids')
  let state = row.state as StoredJob['state']
  if (freeFormProblem(params, '') || freeFormProblem(result, '')) {
    params = {}
    result = undefined
    if (state === 'queued' || state === 'running' || state === 'retrying') state = 'failed'
    error = {
      code: 'invalid-params',
      message: 'its stored params or result are nested too deep to load (written by an older Corelane)',
    }
  }
  return {
    id: row.id,
    batchId: row.batch_id,
    name: row.name,
    kind: row.kind,
    params: params as Record<string, unknown>,
    lane: row.lane as StoredJob['lane'],
    executor: row.executor as StoredJob['executor'],
    priority: row.priority,
    state,
    attempts: row.attempts,
    maxRetries: row.max_retries,
    timeoutMs: row.timeout_ms,
    memoryMb: row.memory_mb,
    progress: row.progress,
    note: row.note,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    result,
    resultFile: resultFile ?? null,
    error: error ?? null,
    hasLog: row.has_log === 1,
    seq: row.seq,
    ...(after ? { after: after as number[] } : {}),
    machine: typeof row.machine === 'string' ? row.machine : null,
    inputIndex: Number.isSafeInteger(row.input_index) ? row.input_index : null,
  }
}

function toBatch(row: BatchDbRow): BatchRow {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    source: row.source,
    total: row.total ?? null,
    root: row.root ?? null,
    complete: row.complete === undefined || row.complete === null ? null : row.complete === 1,
  }
}

export interface Loaded {
  jobs: StoredJob[]
  batches: BatchRow[]
  maxJobId: number
  maxBatchId: number
  maxSeq: number
}

/**
 * The jobs to bring back into memory. `{batches}`: every job of those batches, however many
 * (what --resume needs). `{recent}`: every unfinished job plus the newest finished ones (what
 * the window shows).
 */
export function load(db: DatabaseSync, file: string, scope: LoadScope): Loaded {
  let rows: JobDbRow[]
  if ('batches' in scope) {
    const wanted = scope.batches.filter((id) => Number.isSafeInteger(id))
    rows = wanted.length
      ? (db
          .prepare(
            `SELECT * FROM jobs WHERE batch_id IN (${wanted.map(() => '?').join(',')})${scope.finished === false ? ` AND state NOT IN ${scope.failed ? "('succeeded')" : SETTLED_FOR_GOOD}` : ''} ORDER BY id`,
          )
          .all(...wanted) as unknown as JobDbRow[])
      : []
  } else {
    const unfinished = db.prepare(`SELECT * FROM jobs WHERE state IN ${UNFINISHED} ORDER BY id`).all() as unknown as JobDbRow[]
    const recent = db
      .prepare(`SELECT * FROM (SELECT * FROM jobs WHERE state NOT IN ${UNFINISHED} ORDER BY id DESC LIMIT ?) ORDER BY id`)
      .all(scope.recent) as unknown as JobDbRow[]
    rows = [...recent, ...unfinished].sort((a, b) => a.id - b.id)
  }
  const batches = (db.prepare('SELECT * FROM batches ORDER BY id').all() as unknown as BatchDbRow[]).map(toBatch)
  const max = db.prepare('SELECT max(id) AS job, max(seq) AS seq FROM jobs').get() as { job: number | null; seq: number | null }
  const maxBatch = db.prepare('SELECT max(id) AS id FROM batches').get() as { id: number | null }
  return {
    jobs: rows.map((row) => toStored(file, row)),
    batches,
    maxJobId: max.job ?? 0,
    maxBatchId: maxBatch.id ?? 0,
    maxSeq: max.seq ?? 0,
  }
}

/** The batches (of one source, or all), oldest first, each with how many of its jobs are stored. */
export function batchSummaries(db: DatabaseSync, source: string | null): BatchSummary[] {
  const where = source === null ? '' : 'WHERE b.source = ?'
  const rows = db
    .prepare(`SELECT b.*, (SELECT count(*) FROM jobs j WHERE j.batch_id = b.id) AS stored FROM batches b ${where} ORDER BY b.id`)
    .all(...(source === null ? [] : [source])) as unknown as (BatchDbRow & { stored: number })[]
  return rows.map((row) => ({ ...toBatch(row), stored: row.stored }))
}

export function history(db: DatabaseSync, file: string, filter: HistoryFilter): HistoryPage {
  const where: string[] = []
  const args: (string | number)[] = []
  if (filter.state) {
    where.push('state = ?')
    args.push(filter.state)
  }
  if (filter.kind) {
    where.push('kind = ?')
    args.push(filter.kind)
  }
  if (filter.batchId) {
    where.push('batch_id = ?')
    args.push(filter.batchId)
  }
  if (filter.text) {
    where.push("name LIKE ? ESCAPE '\\'")
    args.push(`%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const total = (db.prepare(`SELECT count(*) AS n FROM jobs ${clause}`).get(...args) as { n: number }).n
  const rows = db
    .prepare(`SELECT * FROM jobs ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`)
    .all(...args, filter.limit ?? 100, filter.offset ?? 0) as unknown as JobDbRow[]
  return { total, jobs: rows.map((row) => toStored(file, row)) }
}

/** The newest batches with their job counts (one indexed pass over jobs per batch). */
export function newestBatches(db: DatabaseSync, limit: number): StoredBatch[] {
  const rows = db
    .prepare(
      `SELECT b.id AS id, b.name AS name, b.created_at AS created_at,
              (SELECT count(*) FROM jobs j WHERE j.batch_id = b.id) AS jobs
         FROM batches b ORDER BY b.id DESC LIMIT ?`,
    )
    .all(limit) as unknown as { id: number; name: string; created_at: number; jobs: number }[]
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, jobs: r.jobs }))
}

/**
 * The input indices the batches hold a job for, as ranges: consecutive indices are one island
 * (index minus its rank is constant along it), found by SQLite over the (batch_id,
 * input_index) index without bringing the rows here.
 */
export function inputRanges(db: DatabaseSync, batchIds: number[]): InputRanges {
  const wanted = batchIds.filter((id) => Number.isSafeInteger(id))
  if (wanted.length === 0) return { ranges: [], unindexed: 0 }
  const inList = `(${wanted.map(() => '?').join(',')})`
  const rows = db
    .prepare(
      `SELECT min(i) AS lo, max(i) + 1 AS hi FROM (
         SELECT i, i - row_number() OVER (ORDER BY i) AS island FROM (
           SELECT DISTINCT input_index AS i FROM jobs WHERE batch_id IN ${inList} AND input_index IS NOT NULL))
       GROUP BY island ORDER BY lo`,
    )
    .all(...wanted) as { lo: number; hi: number }[]
  const unindexed = db
    .prepare(`SELECT count(*) AS n FROM jobs WHERE batch_id IN ${inList} AND input_index IS NULL`)
    .get(...wanted) as { n: number }
  return { ranges: rows.map((r) => [r.lo, r.hi]), unindexed: unindexed.n }
}

/** A job's params, or null when the database has no such job (not written yet, or never). */
export function jobParams(db: DatabaseSync, jobId: number): Record<string, unknown> | null {
  const row = db.prepare('SELECT params FROM jobs WHERE id = ?').get(jobId) as { params: string } | undefined
  return row ? (JSON.parse(row.params) as Record<string, unknown>) : null
}

/** Ids bound per statement, well under SQLite's limit on variables. */
const IDS_PER_QUERY = 500

/**
 * The rows a retried job of a streamed batch had stopped (`roots`: the retried ids), at every
 * level, and the rows of the other jobs those (and `dependencies`, what the roots wait for)
 * wait for that did not succeed. Only the batch's stopped rows after the first root are read
 * (over the batch index); a job not returned succeeded, or is not stopped.
 */
export function stoppedRows(
  db: DatabaseSync,
  file: string,
  batchId: number,
  roots: number[],
  dependencies: number[],
): StoppedRows {
  const ids = roots.filter((id) => Number.isSafeInteger(id))
  if (ids.length === 0) return { stopped: [], dependencies: [] }
  const candidates = db
    .prepare(
      `SELECT * FROM jobs WHERE batch_id = ? AND id > ? AND state = 'cancelled' AND after_ids IS NOT NULL
         AND error LIKE '%dependency-failed%' ORDER BY id`,
    )
    .all(
      batchId,
      ids.reduce((a, b) => Math.min(a, b)),
    ) as unknown as JobDbRow[]
  const stopped = stoppedBy(
    candidates.map((row) => toStored(file, row)),
    ids,
  )
  const wanted = new Set([...dependencies.filter((id) => Number.isSafeInteger(id)), ...otherDependencies(stopped, ids)])
  for (const id of [...ids, ...stopped.map((row) => row.id)]) wanted.delete(id)
  const list = [...wanted]
  const found: StoredJob[] = []
  for (let i = 0; i < list.length; i += IDS_PER_QUERY) {
    const chunk = list.slice(i, i + IDS_PER_QUERY)
    const rows = db
      .prepare(`SELECT * FROM jobs WHERE id IN (${chunk.map(() => '?').join(',')}) AND state != 'succeeded'`)
      .all(...chunk) as unknown as JobDbRow[]
    for (const row of rows) found.push(toStored(file, row))
  }
  return { stopped, dependencies: found }
}

/**
 * The batch's job named `name` nearest before input `before` (rows without an index, from
 * before the column, count as earlier). Walks the (batch_id, input_index) index back from
 * `before`, so the cost grows with how far back the name is; it is asked only for a name the
 * stream has stopped remembering, which is then remembered again.
 */
export function namedRow(db: DatabaseSync, batchId: number, name: string, before: number): NamedRow | null {
  type Found = { id: number; input_index: number | null; state: string; code: string | null } | undefined
  const columns = `SELECT id, input_index, state, json_extract(error, '$.code') AS code FROM jobs`
  // Two reads, so the first is a range of the index that starts at `before` and walks back.
  const row =
    (db
      .prepare(`${columns} WHERE batch_id = ? AND name = ? AND input_index < ? ORDER BY input_index DESC LIMIT 1`)
      .get(batchId, name, before) as Found) ??
    (db
      .prepare(`${columns} WHERE batch_id = ? AND input_index IS NULL AND name = ? ORDER BY id DESC LIMIT 1`)
      .get(batchId, name) as Found)
  if (!row) return null
  return { id: row.id, inputIndex: row.input_index, state: row.state as NamedRow['state'], errorCode: row.code }
}
