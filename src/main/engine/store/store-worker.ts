// The job database, in its own worker thread: node:sqlite is synchronous, and the engine's
// thread (Electron's main thread in the app) must never wait on disk. WAL mode; writes
// arrive in batches and go in one transaction each.
import { rename } from 'node:fs/promises'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { parentPort } from 'node:worker_threads'
import type { BatchRow, FromStore, HistoryFilter, JobRowTuple, StoredBatch, StoredJob, ToStore } from './rows.ts'

if (!parentPort) throw new Error('store-worker must run as a worker thread')
const port = parentPort

// 2: jobs.after_ids (dependencies), added to version-1 files on open.
const SCHEMA_VERSION = 2
const DDL = `
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  source TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL,
  name TEXT,
  kind TEXT NOT NULL,
  params TEXT NOT NULL,
  lane TEXT NOT NULL,
  executor TEXT NOT NULL,
  priority INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  max_retries INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL,
  progress REAL NOT NULL,
  note TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  result TEXT,
  result_file TEXT,
  error TEXT,
  has_log INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  after_ids TEXT,
  machine TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch_id);
`

let db: DatabaseSync | null = null
let upsertJob: StatementSync | null = null
let upsertBatch: StatementSync | null = null

function reply(id: number, value: unknown): void {
  port.postMessage({ t: 'reply', id, ok: true, value } satisfies FromStore)
}

function fail(id: number, error: unknown, code?: string): void {
  port.postMessage({ t: 'reply', id, ok: false, error: (error as Error)?.message ?? String(error), code } satisfies FromStore)
}

/** Opens (or creates) the database; a file that is not a usable database is reported, or moved aside on request. */
async function open(file: string, moveAsideCorrupt: boolean): Promise<{ movedAside: string | null }> {
  let movedAside: string | null = null
  try {
    db = connect(file)
  } catch (error) {
    const message = (error as Error).message
    const corrupt = /not a database|malformed|corrupt/i.test(message)
    if (!corrupt) throw Object.assign(new Error(`cannot open ${file}: ${message}`), { code: 'unwritable' })
    if (!moveAsideCorrupt) throw Object.assign(new Error(`${file} is not a usable database (${message})`), { code: 'corrupt' })
    movedAside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    await rename(file, movedAside)
    for (const suffix of ['-wal', '-shm']) await rename(file + suffix, movedAside + suffix).catch(() => undefined)
    db = connect(file)
  }
  upsertJob = db.prepare(`
    INSERT INTO jobs (id, batch_id, name, kind, params, lane, executor, priority, state, attempts, max_retries, timeout_ms,
      memory_mb, progress, note, created_at, started_at, ended_at, result, result_file, error, has_log, seq, after_ids, machine)
    VALUES (?, ?, ?, ?, coalesce(?, '{}'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET
      state = excluded.state, attempts = excluded.attempts, priority = excluded.priority, progress = excluded.progress,
      note = excluded.note, started_at = excluded.started_at, ended_at = excluded.ended_at, result = excluded.result,
      result_file = excluded.result_file, error = excluded.error, has_log = excluded.has_log, seq = excluded.seq,
      machine = excluded.machine`)
  upsertBatch = db.prepare(
    'INSERT INTO batches (id, name, created_at, source) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name',
  )
  return { movedAside }
}

function connect(file: string): DatabaseSync {
  const connection = new DatabaseSync(file)
  try {
    connection.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000;')
    const version = (connection.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    if (version > SCHEMA_VERSION) throw new Error(`database schema ${version} is newer than this Corelane (${SCHEMA_VERSION})`)
    connection.exec(DDL)
    // A version-1 file has no after_ids column yet (CREATE TABLE IF NOT EXISTS left it as it was).
    const columns = connection.prepare('PRAGMA table_info(jobs)').all() as unknown as { name: string }[]
    if (!columns.some((c) => c.name === 'after_ids')) connection.exec('ALTER TABLE jobs ADD COLUMN after_ids TEXT')
    // A file from before the cluster has no machine column either: nullable, added the same way.
    if (!columns.some((c) => c.name === 'machine')) connection.exec('ALTER TABLE jobs ADD COLUMN machine TEXT')
    connection.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
    // Reading once proves the file really is a database (a corrupt header fails here, not later).
    connection.prepare('SELECT count(*) FROM jobs').get()
    return connection
  } catch (error) {
    connection.close()
    throw error
  }
}

function write(jobs: JobRowTuple[], batches: BatchRow[]): void {
  if (!db) return
  db.exec('BEGIN')
  try {
    for (const batch of batches) upsertBatch!.run(batch.id, batch.name, batch.createdAt, batch.source)
    for (const row of jobs) upsertJob!.run(...row)
    db.exec('COMMIT')
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
}

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
  machine: string | null
}

function toStored(row: JobDbRow): StoredJob {
  return {
    id: row.id,
    batchId: row.batch_id,
    name: row.name,
    kind: row.kind,
    params: JSON.parse(row.params) as Record<string, unknown>,
    lane: row.lane as StoredJob['lane'],
    executor: row.executor as StoredJob['executor'],
    priority: row.priority,
    state: row.state as StoredJob['state'],
    attempts: row.attempts,
    maxRetries: row.max_retries,
    timeoutMs: row.timeout_ms,
    memoryMb: row.memory_mb,
    progress: row.progress,
    note: row.note,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    result: row.result === null ? undefined : JSON.parse(row.result),
    resultFile: row.result_file === null ? null : JSON.parse(row.result_file),
    error: row.error === null ? null : JSON.parse(row.error),
    hasLog: row.has_log === 1,
    seq: row.seq,
    ...(row.after_ids ? { after: JSON.parse(row.after_ids) as number[] } : {}),
    machine: row.machine,
  }
}

/** The jobs to bring back into memory: every unfinished one, plus the most recent finished ones. */
function load(limit: number): { jobs: StoredJob[]; batches: BatchRow[]; maxJobId: number; maxBatchId: number; maxSeq: number } {
  const d = db!
  const unfinished = d
    .prepare("SELECT * FROM jobs WHERE state IN ('queued', 'running', 'retrying') ORDER BY id")
    .all() as unknown as JobDbRow[]
  const recent = d
    .prepare(
      "SELECT * FROM (SELECT * FROM jobs WHERE state NOT IN ('queued', 'running', 'retrying') ORDER BY id DESC LIMIT ?) ORDER BY id",
    )
    .all(limit) as unknown as JobDbRow[]
  const batches = (
    d.prepare('SELECT id, name, created_at, source FROM batches ORDER BY id').all() as unknown as {
      id: number
      name: string
      created_at: number
      source: string | null
    }[]
  ).map((b) => ({ id: b.id, name: b.name, createdAt: b.created_at, source: b.source }))
  const max = d.prepare('SELECT max(id) AS job, max(seq) AS seq FROM jobs').get() as { job: number | null; seq: number | null }
  const maxBatch = d.prepare('SELECT max(id) AS id FROM batches').get() as { id: number | null }
  const jobs = [...recent, ...unfinished].sort((a, b) => a.id - b.id).map(toStored)
  return { jobs, batches, maxJobId: max.job ?? 0, maxBatchId: maxBatch.id ?? 0, maxSeq: max.seq ?? 0 }
}

function history(filter: HistoryFilter): { total: number; jobs: StoredJob[] } {
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
  const total = (db!.prepare(`SELECT count(*) AS n FROM jobs ${clause}`).get(...args) as { n: number }).n
  const rows = db!
    .prepare(`SELECT * FROM jobs ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`)
    .all(...args, filter.limit ?? 100, filter.offset ?? 0) as unknown as JobDbRow[]
  return { total, jobs: rows.map(toStored) }
}

/** The newest batches with their job counts (one indexed pass over jobs per batch). */
function batches(limit: number): StoredBatch[] {
  const rows = db!
    .prepare(
      `SELECT b.id AS id, b.name AS name, b.created_at AS created_at,
              (SELECT count(*) FROM jobs j WHERE j.batch_id = b.id) AS jobs
         FROM batches b ORDER BY b.id DESC LIMIT ?`,
    )
    .all(limit) as unknown as { id: number; name: string; created_at: number; jobs: number }[]
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, jobs: r.jobs }))
}

/** A job's params, or null when the database has no such job (not written yet, or never). */
function params(jobId: number): Record<string, unknown> | null {
  const row = db!.prepare('SELECT params FROM jobs WHERE id = ?').get(jobId) as { params: string } | undefined
  return row ? (JSON.parse(row.params) as Record<string, unknown>) : null
}

port.on('message', (message: ToStore) => {
  void handle(message)
})

async function handle(message: ToStore): Promise<void> {
  switch (message.t) {
    case 'open':
      try {
        reply(message.id, await open(message.file, message.moveAsideCorrupt))
      } catch (error) {
        fail(message.id, error, (error as { code?: string }).code)
      }
      return
    case 'write':
      try {
        write(message.jobs, message.batches)
      } catch (error) {
        port.postMessage({ t: 'write-error', error: (error as Error).message } satisfies FromStore)
      }
      return
    case 'load':
      try {
        reply(message.id, load(message.limit))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'history':
      try {
        reply(message.id, history(message.filter))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'batches':
      try {
        reply(message.id, batches(message.limit))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'params':
      try {
        reply(message.id, params(message.jobId))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'flush':
      // Messages are handled in order: every write sent before this one is committed.
      reply(message.id, null)
      return
    case 'close':
      db?.close()
      db = null
      reply(message.id, null)
      return
  }
}
