// The database file itself: its tables, their upgrades, and the checks made before anything
// is read from it. Runs inside the store worker (node:sqlite is synchronous).
import { stat } from 'node:fs/promises'
import { DatabaseSync } from 'node:sqlite'
import { pathToFileURL } from 'node:url'

/**
 * 1: jobs and batches. 3: batches know how many jobs they will hold (`total`), the batch they
 * continue (`root`), and whether their expansion finished (`complete`); jobs know the jobs
 * they wait for (`after_ids`). Two branches each called their change 2, so a version-2 file
 * may have either set of columns: the upgrade adds whichever columns are missing. Jobs also
 * know the machine that ran them (`machine`, null on this one), added the same way.
 * 4: jobs know the input they were made from (`input_index`, the position in a template's
 * inputs, null for other jobs and for rows written before), indexed with their batch, so a
 * resumed stream skips by index the inputs its batch holds a job for.
 */
export const SCHEMA_VERSION = 4

/** Columns added after version 1, by table. */
const ADDED_COLUMNS: Record<string, string[]> = {
  batches: ['total INTEGER', 'root INTEGER', 'complete INTEGER'],
  jobs: ['after_ids TEXT', 'machine TEXT', 'input_index INTEGER'],
}

const DDL = `
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  source TEXT,
  total INTEGER,
  root INTEGER,
  complete INTEGER
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
  machine TEXT,
  input_index INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch_id);
`

/** A problem with the file: `corrupt` (damaged, or not a database), `unwritable`, `missing` (read-only open of a folder with no database). */
export class DatabaseFileError extends Error {
  readonly code: 'corrupt' | 'unwritable' | 'missing'
  constructor(message: string, code: DatabaseFileError['code']) {
    super(message)
    this.name = 'DatabaseFileError'
    this.code = code
  }
}

const CORRUPT = /not a database|malformed|corrupt|disk image/i

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new DatabaseFileError(`cannot read ${file}: ${(error as Error).message}`, 'unwritable')
  }
}

/**
 * Opens the database for reading and writing, creating it when there is no file. An empty
 * (0-byte) file is refused, not taken as new: a database does not shrink to nothing by
 * itself, so something truncated it.
 */
export async function openWritable(file: string): Promise<DatabaseSync> {
  const size = await sizeOf(file)
  if (size === 0) throw new DatabaseFileError(`${file} is empty (0 bytes): the database it held is gone`, 'corrupt')
  let connection: DatabaseSync
  try {
    connection = new DatabaseSync(file)
  } catch (error) {
    throw classify(file, error)
  }
  try {
    connection.exec('PRAGMA busy_timeout = 2000;')
    checkIntegrity(connection, file)
    connection.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
    const version = userVersion(connection)
    if (version > SCHEMA_VERSION)
      throw new DatabaseFileError(
        `${file}: database schema ${version} is newer than this Corelane (${SCHEMA_VERSION})`,
        'unwritable',
      )
    migrate(connection, version)
    return connection
  } catch (error) {
    connection.close()
    throw classify(file, error)
  }
}

/**
 * Opens the database for reading only, writing nothing: no file is created, no schema change,
 * no journal. When no write-ahead log is beside it (no Corelane is using it, and the last one
 * closed cleanly) it is opened `immutable`, so SQLite does not even create its `-shm` file.
 */
export async function openReadOnly(file: string): Promise<DatabaseSync> {
  const size = await sizeOf(file)
  if (size === null) throw new DatabaseFileError(`no job database at ${file} (nothing has run with this data folder)`, 'missing')
  if (size === 0) throw new DatabaseFileError(`${file} is empty (0 bytes): the database it held is gone`, 'corrupt')
  const walPresent = (await sizeOf(`${file}-wal`)) !== null
  const url = pathToFileURL(file)
  url.searchParams.set('mode', 'ro')
  if (!walPresent) url.searchParams.set('immutable', '1')
  let connection: DatabaseSync
  try {
    connection = new DatabaseSync(url, { readOnly: true })
  } catch (error) {
    throw classify(file, error)
  }
  try {
    connection.exec('PRAGMA busy_timeout = 2000;')
    checkIntegrity(connection, file)
    const version = userVersion(connection)
    if (version > SCHEMA_VERSION)
      throw new DatabaseFileError(
        `${file}: database schema ${version} is newer than this Corelane (${SCHEMA_VERSION})`,
        'unwritable',
      )
    return connection
  } catch (error) {
    connection.close()
    throw classify(file, error)
  }
}

function userVersion(connection: DatabaseSync): number {
  return (connection.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
}

/**
 * `PRAGMA quick_check`: every page of the file is read and its structure checked (not the
 * indexes' contents, which `integrity_check` would also compare). Linear in the file's size,
 * about a second per few hundred MB, and it finds damage in the middle of the file that the
 * first read would not.
 */
function checkIntegrity(connection: DatabaseSync, file: string): void {
  const rows = connection.prepare('PRAGMA quick_check(5)').all() as { quick_check: string }[]
  const problems = rows.map((row) => row.quick_check).filter((text) => text !== 'ok')
  if (problems.length) throw new DatabaseFileError(`${file} is damaged (${problems.join('; ')})`, 'corrupt')
}

function migrate(connection: DatabaseSync, version: number): void {
  // A current file is left untouched: opening writes nothing (it must work on a full disk).
  if (version === SCHEMA_VERSION) return
  connection.exec('BEGIN')
  try {
    connection.exec(DDL)
    // CREATE TABLE IF NOT EXISTS leaves an older table as it was: add what it lacks.
    for (const [table, columns] of Object.entries(ADDED_COLUMNS)) {
      const have = new Set((connection.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name))
      for (const column of columns) {
        if (!have.has(column.split(' ')[0]!)) connection.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`)
      }
    }
    // After the columns: an older table gains input_index only above.
    connection.exec('CREATE INDEX IF NOT EXISTS jobs_batch_input ON jobs(batch_id, input_index)')
    connection.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
    connection.exec('COMMIT')
  } catch (error) {
    connection.exec('ROLLBACK')
    throw error
  }
}

/** SQLite's messages for a damaged file become `corrupt`; anything else (permissions, a folder, a full disk) `unwritable`. */
function classify(file: string, error: unknown): Error {
  if (error instanceof DatabaseFileError) return error
  const message = (error as Error)?.message ?? String(error)
  if (CORRUPT.test(message)) return new DatabaseFileError(`${file} is not a usable database (${message})`, 'corrupt')
  return new DatabaseFileError(`cannot open ${file}: ${message}`, 'unwritable')
}
