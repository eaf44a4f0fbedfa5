// --resume of a streamed batch skips by input index (jobs.input_index), not by counting rows:
// kill -9 of the CLI mid-stream, then rows of some inputs in the middle are removed from the
// database (what a prefix count cannot handle: the rows left are no longer the first N
// inputs), then `corelane run --resume`: every input ends with exactly one job, all succeeded,
// the removed ones run again, and no job the first run recorded as succeeded ran again.
// Also: a version-3 database (before the column) with a cut-short stream opens as version 4
// and is read on past its rows, which then hold no index (the prefix rule for old rows).
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, describe, expect, it } from 'vitest'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')
const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

const INPUTS = 30_000

function run(
  args: string[],
  killAfter?: number,
): Promise<{ code: number | null; signal: string | null; lines: number; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args])
  let lines = 0
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    out += text
    lines += text.split('\n').length - 1
    if (killAfter !== undefined && lines >= killAfter && child.exitCode === null) child.kill('SIGKILL')
  })
  return new Promise((done) => child.on('exit', (code, signal) => done({ code, signal, lines, out })))
}

interface Row {
  id: number
  input_index: number | null
  state: string
  ended_at: number | null
}

function rows(dataDir: string): Row[] {
  const db = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
  try {
    return db.prepare('SELECT id, input_index, state, ended_at FROM jobs ORDER BY id').all() as unknown as Row[]
  } finally {
    db.close()
  }
}

describe('--resume of a stream, by input index', () => {
  it('kill -9, rows removed mid-batch, --resume: each input once, none lost, no recorded success repeated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corelane-resume-index-'))
    dirs.push(dir)
    const dataDir = join(dir, 'data')
    const batchFile = join(dir, 'batch.json')
    await writeFile(
      batchFile,
      JSON.stringify({
        name: 'indexed',
        template: { name: 'in {}', kind: 'sleep', params: { ms: 1 } },
        inputs: { range: { to: INPUTS } },
      }),
    )
    const first = await run(['run', batchFile, '--json', '--data-dir', dataDir, '--io-concurrency', '4'], 12_000)
    expect(first.signal).toBe('SIGKILL')
    const before = rows(dataDir)
    expect(before.length).toBeLessThan(INPUTS)
    expect(before.every((row) => row.input_index !== null)).toBe(true)
    // Remove the rows of inputs 1000–1999 (succeeded ones): the rest are no longer a prefix.
    const db = new DatabaseSync(join(dataDir, 'corelane.db'))
    db.exec('DELETE FROM jobs WHERE input_index >= 1000 AND input_index < 2000')
    db.close()
    const kept = new Map(
      before
        .filter((row) => row.state === 'succeeded' && (row.input_index! < 1000 || row.input_index! >= 2000))
        .map((row) => [row.id, row]),
    )

    const second = await run(['run', batchFile, '--json', '--resume', '--data-dir', dataDir])
    expect(second.code).toBe(0)
    const summary = JSON.parse(second.out.trim().split('\n').at(-1)!).summary
    expect(summary).toMatchObject({ total: INPUTS, succeeded: INPUTS, failed: 0 })

    const after = rows(dataDir)
    expect(after.length).toBe(INPUTS)
    expect(after.every((row) => row.state === 'succeeded')).toBe(true)
    const indices = after.map((row) => row.input_index!).sort((a, b) => a - b)
    expect(indices).toEqual(Array.from({ length: INPUTS }, (_, i) => i))
    // What was recorded as succeeded before stays exactly as it was (not run again).
    for (const row of after) if (kept.has(row.id)) expect(row.ended_at).toBe(kept.get(row.id)!.ended_at)
    const printed = second.out
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line).id as number)
    expect(printed.filter((id) => kept.has(id))).toEqual([])
    expect(printed.length).toBe(INPUTS - kept.size)
  }, 240_000)

  it('opens a version-3 database with a cut-short stream as version 4 and reads on past its rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corelane-resume-v3-'))
    dirs.push(dir)
    const dataDir = join(dir, 'data')
    const batchFile = join(dir, 'batch.json')
    await writeFile(
      batchFile,
      JSON.stringify({ name: 'old', template: { name: 'n {}', kind: 'noop', params: {} }, inputs: { range: { to: 50 } } }),
    )
    // The database as the version-3 Corelane wrote it: no input_index; 20 of 50 jobs stored, not complete.
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dataDir)
    const old = new DatabaseSync(join(dataDir, 'corelane.db'))
    old.exec(`CREATE TABLE batches (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, source TEXT,
        total INTEGER, root INTEGER, complete INTEGER);
      CREATE TABLE jobs (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, name TEXT, kind TEXT NOT NULL, params TEXT NOT NULL,
        lane TEXT NOT NULL, executor TEXT NOT NULL, priority INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
        max_retries INTEGER NOT NULL, timeout_ms INTEGER NOT NULL, memory_mb INTEGER NOT NULL, progress REAL NOT NULL, note TEXT,
        created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER, result TEXT, result_file TEXT, error TEXT,
        has_log INTEGER NOT NULL, seq INTEGER NOT NULL, after_ids TEXT, machine TEXT);
      CREATE INDEX jobs_state ON jobs(state);
      CREATE INDEX jobs_batch ON jobs(batch_id);
      PRAGMA journal_mode = WAL;
      PRAGMA user_version = 3;`)
    old.prepare('INSERT INTO batches VALUES (1, ?, 1000, ?, 50, NULL, 0)').run('old', batchFile)
    const insert = old.prepare(
      `INSERT INTO jobs VALUES (?, 1, ?, 'noop', '{}', 'cpu', 'thread', 0, 'succeeded', 1, 0, 0, 0, 1, NULL, 1000, 1000, 1001, 'null', NULL, NULL, 0, ?, NULL, NULL)`,
    )
    for (let i = 0; i < 20; i++) insert.run(i + 1, `n ${i}`, i + 1)
    old.close()

    const resumed = await run(['run', batchFile, '--json', '--resume', '--data-dir', dataDir])
    expect(resumed.code).toBe(0)
    expect(JSON.parse(resumed.out.trim().split('\n').at(-1)!).summary).toMatchObject({ total: 50, succeeded: 50 })
    const check = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
    try {
      expect((check.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(4)
      const indexes = (check.prepare("PRAGMA index_list('jobs')").all() as { name: string }[]).map((i) => i.name)
      expect(indexes).toContain('jobs_batch_input')
      const all = check.prepare('SELECT name, input_index FROM jobs ORDER BY id').all() as {
        name: string
        input_index: number | null
      }[]
      expect(all.length).toBe(50)
      // The old rows keep no index; the inputs read on carry theirs, from 20.
      expect(all.slice(0, 20).every((row) => row.input_index === null)).toBe(true)
      expect(all.slice(20).map((row) => row.input_index)).toEqual(Array.from({ length: 30 }, (_, i) => i + 20))
      expect(new Set(all.map((row) => row.name)).size).toBe(50)
    } finally {
      check.close()
    }
  }, 60_000)
})
