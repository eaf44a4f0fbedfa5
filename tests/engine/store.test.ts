// Persistence on real SQLite files (node:sqlite in its worker thread): results survive a
// restart, running jobs come back interrupted and can be requeued, a corrupt or unwritable
// database gets a clear error (never a silent reset), and history pages and filters.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, JobStore, StoreError } from '../../src/main/engine/index.ts'
import { openPersistentEngine } from '../../src/main/host/persistent-engine.ts'
import { until } from './fixture.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-store-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

describe('job store', () => {
  it('keeps finished jobs and their results across a restart', async () => {
    const dataDir = await tempDir()
    const first = await openPersistentEngine({ dataDir, restore: 'all', cpuSlots: 2 })
    const { jobIds, batchId } = await first.engine.submit({
      name: 'persisted',
      template: { kind: 'sum-squares', params: { n: '{}' } },
      inputs: [3, 4],
    })
    await first.engine.whenSettled(jobIds)
    const failed = await first.engine.run({ kind: 'shell', params: { argv: ['false'] } })
    await first.close()

    const second = await openPersistentEngine({ dataDir, restore: 'all' })
    cleanup.push(() => second.close())
    expect(second.restored.restored).toBe(3)
    expect(second.engine.getJob(jobIds[1]!)).toMatchObject({ state: 'succeeded', result: { sum: '14' }, batchId })
    // Times survive too (they are older than the new engine, which once hid them).
    const restoredView = second.engine.getJob(jobIds[1]!)!
    expect(restoredView.startedAt).toBeGreaterThan(0)
    expect(restoredView.endedAt).toBeGreaterThanOrEqual(restoredView.startedAt!)
    expect(restoredView.startedAt).toBeLessThan(Date.now())
    expect(second.engine.getJob(failed.id)).toMatchObject({ state: 'failed', error: { code: 'exit-code' } })
    expect(second.engine.batches()[0]).toMatchObject({ name: 'persisted', total: 2 })
    // New ids continue after the stored ones.
    const next = await second.engine.run({ kind: 'noop', params: {} })
    expect(next.id).toBe(failed.id + 1)
  })

  it('brings running jobs back as interrupted; retry runs them to success', async () => {
    const dataDir = await tempDir()
    const store = await JobStore.open({ dataDir })
    const engine = createEngine({ dataDir, store, cpuSlots: 1 })
    const { jobIds } = await engine.submit({
      jobs: [
        { kind: 'sleep', params: { ms: 1500 }, lane: 'cpu' },
        { kind: 'sleep', params: { ms: 10 }, lane: 'cpu' },
      ],
    })
    await until(() => engine.getJob(jobIds[0]!)!.state === 'running', 10_000, 'running')
    await engine.flushStore()
    // The process "dies": the database is left as it was, mid-run.
    await store.close()
    engine.cancel(jobIds)

    const again = await openPersistentEngine({ dataDir, restore: 'all', cpuSlots: 1, paused: true })
    cleanup.push(() => again.close())
    expect(again.restored.interrupted).toEqual([jobIds[0]])
    expect(again.engine.getJob(jobIds[0]!)).toMatchObject({ state: 'interrupted', error: { code: 'interrupted' } })
    expect(again.engine.getJob(jobIds[1]!)!.state).toBe('queued')
    again.engine.cancel([jobIds[1]!])
    expect(again.engine.retry([jobIds[0]!])).toBe(1)
    again.engine.resume()
    await again.engine.whenSettled()
    expect(again.engine.getJob(jobIds[0]!)).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      result: { sleptMs: expect.any(Number) },
    })
  })

  it('refuses a corrupt database with a clear error, and keeps it aside when asked', async () => {
    const dataDir = await tempDir()
    await writeFile(join(dataDir, 'corelane.db'), 'this is not a database, just some bytes '.repeat(200))
    const error = await JobStore.open({ dataDir }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('corrupt')
    expect((error as StoreError).message).toContain('corelane.db')
    const store = await JobStore.open({ dataDir, moveAsideCorrupt: true })
    cleanup.push(async () => void (await store.close()))
    expect(store.movedAside).toMatch(/corelane\.db\.corrupt-/)
    expect((await readdir(dataDir)).some((name) => name.startsWith('corelane.db.corrupt-'))).toBe(true)
    expect((await store.load()).jobs).toEqual([])
  })

  it('reports an unwritable location instead of failing silently', async () => {
    const dataDir = await tempDir()
    await writeFile(join(dataDir, 'file'), 'x')
    const error = await JobStore.open({ dataDir: join(dataDir, 'file') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('unwritable')
  })

  it('opens a database from before the cluster (no machine column): its rows read as run here, new ones keep their machine', async () => {
    const dataDir = await tempDir()
    // The version 1 layout as an earlier Corelane wrote it, made with node:sqlite itself.
    const old = new DatabaseSync(join(dataDir, 'corelane.db'))
    old.exec(`PRAGMA user_version = 1;
      CREATE TABLE batches (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, source TEXT);
      CREATE TABLE jobs (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, name TEXT, kind TEXT NOT NULL, params TEXT NOT NULL,
        lane TEXT NOT NULL, executor TEXT NOT NULL, priority INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
        max_retries INTEGER NOT NULL, timeout_ms INTEGER NOT NULL, memory_mb INTEGER NOT NULL, progress REAL NOT NULL, note TEXT,
        created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER, result TEXT, result_file TEXT, error TEXT,
        has_log INTEGER NOT NULL, seq INTEGER NOT NULL);
      INSERT INTO batches VALUES (1, 'old', 1000, 'ui');
      INSERT INTO jobs VALUES (1, 1, NULL, 'noop', '{}', 'cpu', 'thread', 0, 'succeeded', 1, 0, 0, 0, 1, NULL,
        1000, 1001, 1002, 'null', NULL, NULL, 0, 1);`)
    old.close()
    const store = await JobStore.open({ dataDir })
    cleanup.push(async () => void (await store.close()))
    expect((await store.history({})).jobs.map((j) => [j.id, j.machine])).toEqual([[1, null]])
    store.write(
      [
        [
          2,
          1,
          null,
          'noop',
          '{}',
          'cpu',
          'thread',
          0,
          'succeeded',
          1,
          0,
          0,
          0,
          1,
          null,
          1003,
          1004,
          1005,
          'null',
          null,
          null,
          0,
          2,
          null,
          'east',
          null,
        ],
      ],
      [],
    )
    await store.flush()
    expect((await store.history({})).jobs.map((j) => [j.id, j.machine])).toEqual([
      [2, 'east'],
      [1, null],
    ])
  })

  it('pages and filters history', async () => {
    const dataDir = await tempDir()
    const opened = await openPersistentEngine({ dataDir, restore: 'none' })
    cleanup.push(() => opened.close())
    const { jobIds } = await opened.engine.submit({
      template: { name: 'nap {}', kind: 'sleep', params: { ms: 1 } },
      inputs: [1, 2, 3, 4, 5],
    })
    await opened.engine.run({ name: 'odd one', kind: 'shell', params: { argv: ['false'] } })
    await opened.engine.whenSettled(jobIds)
    await opened.engine.flushStore()
    const page = await opened.store.history({ limit: 2, offset: 1 })
    expect(page.total).toBe(6)
    expect(page.jobs.map((j) => j.id)).toEqual([5, 4])
    expect((await opened.store.history({ state: 'failed' })).jobs.map((j) => j.name)).toEqual(['odd one'])
    expect((await opened.store.history({ kind: 'sleep', text: 'nap 3' })).total).toBe(1)
    expect((await opened.store.history({ text: '%' })).total).toBe(0)
  })
})
