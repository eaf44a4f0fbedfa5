// The job database, in its own worker thread: node:sqlite is synchronous, and the engine's
// thread (Electron's main thread in the app) must never wait on disk. WAL mode; writes
// arrive in batches and go in one transaction each.
//
// A write that fails (a full disk, say) is not dropped: its rows stay here, merged with later
// ones (newest state wins, a job's params are kept from its first row), and are retried until
// they land. The engine's thread is told when writes start failing and when they land again.
import { rename } from 'node:fs/promises'
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { parentPort } from 'node:worker_threads'
import { corruptDatabasePath } from '../data-layout.ts'
import type { BatchRow, Durability, FromStore, JobRowTuple, ToStore } from './rows.ts'
import { batchSummaries, history, inputRanges, jobParams, load, namedRow, newestBatches, stoppedRows } from './store-queries.ts'
import { DatabaseFileError, openReadOnly, openWritable } from './store-schema.ts'

if (!parentPort) throw new Error('store-worker must run as a worker thread')
const port = parentPort

/** Retries of a failed write start this soon and back off to at most the second value. */
const RETRY_FIRST_MS = 200
const RETRY_MAX_MS = 2000
/** The JobRowTuple indexes of `params` and `afterIds` (null after a job's first row). */
const PARAMS = 4
const AFTER_IDS = 23

let db: DatabaseSync | null = null
let dbFile = ''
let readOnly = false
let moveAsideOnDamage = false
let movedAside: string | null = null
let upsertJob: StatementSync | null = null
let upsertBatch: StatementSync | null = null

const pendingJobs = new Map<number, JobRowTuple>()
const pendingBatches = new Map<number, BatchRow>()
/** Batches to mark complete, after their rows (same transaction). */
const pendingComplete = new Set<number>()
let markComplete: StatementSync | null = null
let failing: string | null = null
let retryTimer: NodeJS.Timeout | null = null
let retryDelay = RETRY_FIRST_MS
/** Messages that could not be read (their rows are gone): the store is not durable again for this run. */
let lostMessages = 0

/** Posts a message; one that cannot be copied (too deep, say) answers its request with that error instead of never. */
function send(message: FromStore): void {
  try {
    port.postMessage(message)
  } catch (error) {
    if (message.t !== 'reply') throw error
    port.postMessage({
      t: 'reply',
      id: message.id,
      ok: false,
      error: `the store's answer could not be sent: ${(error as Error).message}`,
    } satisfies FromStore)
  }
}

function reply(id: number, value: unknown): void {
  send({ t: 'reply', id, ok: true, value })
}

function fail(id: number, error: unknown): void {
  const code = error instanceof DatabaseFileError ? error.code : undefined
  send({ t: 'reply', id, ok: false, error: (error as Error)?.message ?? String(error), code })
}

async function moveAside(file: string): Promise<string> {
  const aside = corruptDatabasePath(file, new Date())
  await rename(file, aside)
  for (const suffix of ['-wal', '-shm']) await rename(file + suffix, aside + suffix).catch(() => undefined)
  return aside
}

function prepare(connection: DatabaseSync): void {
  upsertJob = connection.prepare(`
    INSERT INTO jobs (id, batch_id, name, kind, params, lane, executor, priority, state, attempts, max_retries, timeout_ms,
      memory_mb, progress, note, created_at, started_at, ended_at, result, result_file, error, has_log, seq, after_ids, machine, input_index)
    VALUES (?, ?, ?, ?, coalesce(?, '{}'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET
      state = excluded.state, attempts = excluded.attempts, priority = excluded.priority, progress = excluded.progress,
      note = excluded.note, started_at = excluded.started_at, ended_at = excluded.ended_at, result = excluded.result,
      result_file = excluded.result_file, error = excluded.error, has_log = excluded.has_log, seq = excluded.seq,
      machine = excluded.machine`)
  upsertBatch = connection.prepare(`
    INSERT INTO batches (id, name, created_at, source, total, root, complete) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET name = excluded.name, total = coalesce(excluded.total, batches.total),
      root = coalesce(excluded.root, batches.root), complete = coalesce(excluded.complete, batches.complete)`)
  markComplete = connection.prepare('UPDATE batches SET complete = 1 WHERE id = ?')
}

/** Opens the database; a damaged one is refused, or moved aside (kept) when the user asked for that. */
async function open(file: string, moveAsideCorrupt: boolean, asReader: boolean): Promise<{ movedAside: string | null }> {
  dbFile = file
  readOnly = asReader
  moveAsideOnDamage = moveAsideCorrupt
  if (asReader) {
    db = await openReadOnly(file)
    return { movedAside: null }
  }
  try {
    db = await openWritable(file)
  } catch (error) {
    if (!(error instanceof DatabaseFileError) || error.code !== 'corrupt' || !moveAsideCorrupt) throw error
    movedAside = await moveAside(file)
    db = await openWritable(file)
  }
  prepare(db)
  return { movedAside }
}

/** A damaged row found while loading: with --reset-db the file is kept aside and a new one started, as at open. */
async function recoverFromDamage(error: unknown): Promise<boolean> {
  if (!(error instanceof DatabaseFileError) || error.code !== 'corrupt' || !moveAsideOnDamage || readOnly || movedAside)
    return false
  db?.close()
  movedAside = await moveAside(dbFile)
  db = await openWritable(dbFile)
  prepare(db)
  return true
}

function merge(jobs: JobRowTuple[], batches: BatchRow[]): void {
  for (const row of jobs) {
    const earlier = pendingJobs.get(row[0])
    if (earlier && row[PARAMS] === null) row[PARAMS] = earlier[PARAMS]
    if (earlier && row[AFTER_IDS] === null) row[AFTER_IDS] = earlier[AFTER_IDS]
    pendingJobs.set(row[0], row)
  }
  for (const batch of batches) {
    const earlier = pendingBatches.get(batch.id)
    pendingBatches.set(batch.id, earlier ? { ...earlier, ...withoutNulls(batch) } : batch)
  }
}

function withoutNulls(batch: BatchRow): Partial<BatchRow> {
  return Object.fromEntries(Object.entries(batch).filter(([, value]) => value !== null && value !== undefined))
}

/** Commits everything pending in one transaction; keeps it all when that fails. */
function commit(): boolean {
  if (!db || readOnly || pendingCount() === 0) return true
  try {
    db.exec('BEGIN')
    for (const b of pendingBatches.values()) {
      upsertBatch!.run(
        b.id,
        b.name,
        b.createdAt,
        b.source,
        b.total ?? null,
        b.root ?? null,
        b.complete === undefined || b.complete === null ? null : Number(b.complete),
      )
    }
    for (const row of pendingJobs.values()) upsertJob!.run(...row)
    for (const id of pendingComplete) markComplete!.run(id)
    db.exec('COMMIT')
  } catch (error) {
    // SQLite may have rolled back already (SQLITE_FULL does); a second rollback then fails harmlessly.
    try {
      db.exec('ROLLBACK')
    } catch {
      // nothing to roll back
    }
    noteFailure((error as Error).message)
    return false
  }
  pendingJobs.clear()
  pendingBatches.clear()
  pendingComplete.clear()
  if (failing !== null && lostMessages === 0) {
    failing = null
    retryDelay = RETRY_FIRST_MS
    send({ t: 'write-state', ...durability() })
  }
  return true
}

function noteFailure(message: string): void {
  const first = failing === null
  failing = message
  if (first) send({ t: 'write-state', ...durability() })
  if (!retryTimer) {
    retryTimer = setTimeout(() => {
      retryTimer = null
      commit()
    }, retryDelay)
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS)
  }
}

function pendingCount(): number {
  return pendingJobs.size + pendingBatches.size + pendingComplete.size
}

function durability(): Durability {
  const pending = pendingCount() + lostMessages
  return { durable: pending === 0, pendingJobs: pendingJobs.size, error: pending === 0 ? null : failing }
}

port.on('message', (message: ToStore) => {
  void handle(message)
})
// A message that cannot be read here carries no id to answer: say so as a failed write, which the engine's side reports.
port.on('messageerror', (error) => {
  lostMessages++
  failing ??= `a message to the store could not be read: ${error.message}`
  send({ t: 'write-state', ...durability() })
})

async function handle(message: ToStore): Promise<void> {
  switch (message.t) {
    case 'open':
      try {
        reply(message.id, await open(message.file, message.moveAsideCorrupt, message.readOnly))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'write':
      merge(message.jobs, message.batches)
      // While writes fail, new rows wait for the retry timer instead of failing again at once.
      if (!retryTimer) commit()
      return
    case 'complete':
      pendingComplete.add(message.batchId)
      if (!retryTimer) commit()
      return
    case 'load':
      try {
        reply(message.id, load(db!, dbFile, message.scope))
      } catch (error) {
        try {
          if (await recoverFromDamage(error)) reply(message.id, { ...load(db!, dbFile, message.scope), movedAside })
          else fail(message.id, error)
        } catch (again) {
          fail(message.id, again)
        }
      }
      return
    case 'run-batches':
      try {
        reply(message.id, batchSummaries(db!, message.source))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'input-ranges':
      try {
        reply(message.id, inputRanges(db!, message.batchIds))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'history':
      try {
        reply(message.id, history(db!, dbFile, message.filter))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'batches':
      try {
        reply(message.id, newestBatches(db!, message.limit))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'params':
      try {
        // A job whose rows wait for a retry (the disk is full) is answered from those rows.
        const waiting = pendingJobs.get(message.jobId)?.[PARAMS]
        reply(message.id, waiting ? (JSON.parse(waiting) as Record<string, unknown>) : jobParams(db!, message.jobId))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'stopped':
      try {
        reply(message.id, stoppedRows(db!, dbFile, message.batchId, message.roots, message.dependencies))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'named':
      try {
        reply(message.id, namedRow(db!, message.batchId, message.name, message.before))
      } catch (error) {
        fail(message.id, error)
      }
      return
    case 'flush':
      // Messages are handled in order: every write sent before this one is merged; try it now.
      commit()
      reply(message.id, durability())
      return
    case 'close':
      commit()
      if (retryTimer) clearTimeout(retryTimer)
      retryTimer = null
      reply(message.id, durability())
      db?.close()
      db = null
      return
  }
}
