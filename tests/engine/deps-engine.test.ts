// Dependencies ("after") in the real engine, on real workers: order respected under 2 slots,
// a failed dependency ends its dependents as not run (naming it), a retried dependency that
// then succeeds releases them, cancel and priorities, refusals at submit naming the field,
// and a restart from the store keeping the graph.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JobView } from '../../src/shared/job.ts'
import { ValidationError } from '../../src/shared/validate.ts'
import { createEngine, JobStore } from '../../src/main/engine/index.ts'
import { makeEngine, until } from './fixture.ts'

const sleepJob = (name: string, ms: number, after?: string[], extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'shell',
  params: { argv: [`sleep ${ms / 1000}`], shell: true },
  ...(after ? { after } : {}),
  ...extra,
})
const failJob = (name: string, after?: string[]) => ({
  name,
  kind: 'shell',
  params: { argv: ['exit 3'], shell: true },
  ...(after ? { after } : {}),
})

const byName = (jobs: JobView[]) => Object.fromEntries(jobs.map((j) => [j.name, j]))

describe('dependencies in the engine', () => {
  it('starts a job only after everything it waits for succeeded, under 2 slots', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2 })
    // A diamond and a chain; the waiting jobs come first in the list, so plain FIFO would run them first.
    const { jobIds } = await engine.submit({
      jobs: [
        sleepJob('package', 50, ['test', 'lint']),
        sleepJob('test', 150, ['compile']),
        sleepJob('lint', 100, ['compile']),
        sleepJob('compile', 200),
        sleepJob('docs', 50),
      ],
    })
    await engine.whenSettled(jobIds)
    const jobs = byName(engine.listJobs({}).jobs)
    expect(Object.values(jobs).every((j) => j.state === 'succeeded')).toBe(true)
    const start = (n: string) => jobs[n]!.startedAt!
    const end = (n: string) => jobs[n]!.endedAt!
    expect(start('test')).toBeGreaterThanOrEqual(end('compile'))
    expect(start('lint')).toBeGreaterThanOrEqual(end('compile'))
    expect(start('package')).toBeGreaterThanOrEqual(Math.max(end('test'), end('lint')))
    expect(jobs.package!.after).toEqual([jobIds[1], jobIds[2]])
  })

  it('says what a waiting job waits for, and ends the dependents of a failure as not run, naming it', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2 })
    const { jobIds } = await engine.submit({
      jobs: [
        sleepJob('slow', 400),
        failJob('broken', ['slow']),
        sleepJob('after-broken', 10, ['broken']),
        sleepJob('deeper', 10, ['after-broken']),
        sleepJob('free', 10, ['slow']),
      ],
    })
    await until(() => engine.getJob(jobIds[1]!)!.note !== null, 5000, 'a note')
    expect(engine.getJob(jobIds[1]!)).toMatchObject({ state: 'queued', note: 'waits for "slow"' })
    await engine.whenSettled(jobIds)
    const jobs = byName(engine.listJobs({}).jobs)
    expect(jobs.broken!.state).toBe('failed')
    expect(jobs['after-broken']).toMatchObject({
      state: 'cancelled',
      startedAt: null,
      error: { code: 'dependency-failed', message: 'not run: it waits for "broken", which failed' },
    })
    expect(jobs.deeper!.error).toEqual({
      code: 'dependency-failed',
      message: 'not run: it waits for "after-broken", which did not run',
    })
    expect(jobs.free!.state).toBe('succeeded')
  })

  it('a retried dependency that then succeeds releases its dependents', async () => {
    const { engine, dir } = await makeEngine({ cpuSlots: 2 })
    const marker = join(dir, 'fixed')
    const { jobIds } = await engine.submit({
      jobs: [
        { name: 'needs-fix', kind: 'shell', params: { argv: ['test', '-f', marker] } },
        sleepJob('then', 10, ['needs-fix']),
        sleepJob('last', 10, ['then']),
      ],
    })
    await engine.whenSettled(jobIds)
    expect(engine.getJob(jobIds[2]!)!.state).toBe('cancelled')
    const { writeFile } = await import('node:fs/promises')
    await writeFile(marker, '')
    expect(engine.retry([jobIds[0]!])).toBe(1)
    // Released: waiting again, not ended.
    expect(engine.getJob(jobIds[1]!)).toMatchObject({ state: 'queued', note: 'waits for "needs-fix"' })
    await engine.whenSettled(jobIds)
    expect(jobIds.map((id) => engine.getJob(id)!.state)).toEqual(['succeeded', 'succeeded', 'succeeded'])
  })

  it('a cancelled waiting job ends its own dependents; priorities order what is released together', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const { jobIds } = await engine.submit({
      jobs: [
        sleepJob('first', 300),
        sleepJob('low', 10, ['first'], { priority: -5 }),
        sleepJob('high', 10, ['first'], { priority: 5 }),
        sleepJob('cancel-me', 10, ['first']),
        sleepJob('below-cancelled', 10, ['cancel-me']),
      ],
    })
    expect(engine.cancel([jobIds[3]!])).toBe(1)
    await engine.whenSettled(jobIds)
    const jobs = byName(engine.listJobs({}).jobs)
    expect(jobs['cancel-me']!.state).toBe('cancelled')
    expect(jobs['below-cancelled']!.error?.message).toBe('not run: it waits for "cancel-me", which was cancelled')
    expect(jobs.high!.startedAt!).toBeLessThanOrEqual(jobs.low!.startedAt!)
    expect(jobs.low!.state).toBe('succeeded')
  })

  it('refuses unknown names and cycles at submit, naming the field, and queues nothing', async () => {
    const { engine } = await makeEngine()
    await expect(engine.submit({ jobs: [sleepJob('a', 1, ['nope'])] })).rejects.toThrow(
      'jobs[0].after[0]: no job named "nope" in this batch',
    )
    const cycle = engine.submit({ jobs: [sleepJob('a', 1, ['c']), sleepJob('b', 1, ['a']), sleepJob('c', 1, ['b'])] })
    await expect(cycle).rejects.toBeInstanceOf(ValidationError)
    await expect(cycle).rejects.toThrow('jobs[0].after: a cycle: a → c → b → a')
    // Templates: {} in after is the input; a name waited for that two jobs share is refused.
    await expect(
      engine.submit({ template: { name: 'step', kind: 'noop', params: {}, after: ['step'] }, inputs: [1, 2] }),
    ).rejects.toThrow('inputs[0].after[0]: "step" names more than one job')
    expect(engine.listJobs({}).total).toBe(0)
  })

  it('keeps the graph across a restart: a queued dependent still waits, and runs once its dependency is retried', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corelane-deps-restore-'))
    try {
      let store = await JobStore.open({ dataDir: dir })
      let engine = createEngine({ dataDir: dir, store, cpuSlots: 1, paused: true })
      const { jobIds } = await engine.submit({ jobs: [sleepJob('base', 10), sleepJob('top', 10, ['base'])] })
      await engine.flushStore()
      await engine.close()
      await store.close()

      store = await JobStore.open({ dataDir: dir })
      engine = createEngine({ dataDir: dir, store, cpuSlots: 1 })
      engine.restore(await store.load())
      expect(engine.getJob(jobIds[1]!)).toMatchObject({ after: [jobIds[0]] })
      // "base" was cancelled by the close; "top" waits for it and ended as not run.
      engine.retry(jobIds)
      await engine.whenSettled(jobIds)
      const jobs = jobIds.map((id) => engine.getJob(id)!)
      expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded'])
      expect(jobs[1]!.startedAt!).toBeGreaterThanOrEqual(jobs[0]!.endedAt!)
      await engine.close()
      await store.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the job database before dependencies', () => {
  it('opens a version-1 file, adds the after_ids column, and keeps its jobs', async () => {
    const { DatabaseSync } = await import('node:sqlite')
    const dir = await mkdtemp(join(tmpdir(), 'corelane-deps-v1-'))
    try {
      // A file as the previous Corelane wrote it: the version-1 jobs table, without after_ids.
      const old = new DatabaseSync(join(dir, 'corelane.db'))
      old.exec(`CREATE TABLE batches (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, source TEXT);
        CREATE TABLE jobs (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, name TEXT, kind TEXT NOT NULL, params TEXT NOT NULL,
          lane TEXT NOT NULL, executor TEXT NOT NULL, priority INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
          max_retries INTEGER NOT NULL, timeout_ms INTEGER NOT NULL, memory_mb INTEGER NOT NULL, progress REAL NOT NULL, note TEXT,
          created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER, result TEXT, result_file TEXT, error TEXT,
          has_log INTEGER NOT NULL, seq INTEGER NOT NULL);
        INSERT INTO batches VALUES (1, 'old', 1000, NULL);
        INSERT INTO jobs VALUES (1, 1, 'kept', 'noop', '{}', 'cpu', 'thread', 0, 'succeeded', 1, 0, 0, 0, 1, NULL, 1000, 1000, 1001, 'null', NULL, NULL, 0, 1);
        PRAGMA user_version = 1;`)
      old.close()
      const store = await JobStore.open({ dataDir: dir })
      const engine = createEngine({ dataDir: dir, store, cpuSlots: 1 })
      engine.restore(await store.load())
      expect(engine.getJob(1)).toMatchObject({ name: 'kept', state: 'succeeded' })
      const { jobIds } = await engine.submit({ jobs: [sleepJob('a', 1), sleepJob('b', 1, ['a'])] })
      await engine.whenSettled(jobIds)
      await engine.flushStore()
      expect((await store.load()).jobs.find((j) => j.id === jobIds[1])!.after).toEqual([jobIds[0]])
      await engine.close()
      await store.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  // Two branches each called their upgrade version 2: one added batches.total/root/complete,
  // the other jobs.after_ids. A file from either becomes the current version (4) with every column.
  it.each([
    ['batch totals (no after_ids)', ', total INTEGER, root INTEGER, complete INTEGER', '', ', 5, NULL, 1', ''],
    ['dependencies (no batch totals)', '', ', after_ids TEXT', '', ", '[7]'"],
  ])(
    'opens a version-2 file with %s, adds what it lacks, and keeps its jobs',
    async (_, batchCols, jobCols, batchVals, jobVals) => {
      const { DatabaseSync } = await import('node:sqlite')
      const dir = await mkdtemp(join(tmpdir(), 'corelane-deps-v2-'))
      try {
        const old = new DatabaseSync(join(dir, 'corelane.db'))
        old.exec(`CREATE TABLE batches (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, source TEXT${batchCols});
        CREATE TABLE jobs (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, name TEXT, kind TEXT NOT NULL, params TEXT NOT NULL,
          lane TEXT NOT NULL, executor TEXT NOT NULL, priority INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
          max_retries INTEGER NOT NULL, timeout_ms INTEGER NOT NULL, memory_mb INTEGER NOT NULL, progress REAL NOT NULL, note TEXT,
          created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER, result TEXT, result_file TEXT, error TEXT,
          has_log INTEGER NOT NULL, seq INTEGER NOT NULL${jobCols});
        INSERT INTO batches VALUES (1, 'old', 1000, NULL${batchVals});
        INSERT INTO jobs VALUES (8, 1, 'kept', 'noop', '{}', 'cpu', 'thread', 0, 'succeeded', 1, 0, 0, 0, 1, NULL, 1000, 1000, 1001, 'null', NULL, NULL, 0, 1${jobVals});
        PRAGMA user_version = 2;`)
        old.close()
        const store = await JobStore.open({ dataDir: dir })
        const loaded = await store.load()
        expect(loaded.jobs.find((j) => j.id === 8)).toMatchObject({ name: 'kept', state: 'succeeded' })
        expect(loaded.jobs.find((j) => j.id === 8)!.after).toEqual(jobVals ? [7] : undefined)
        await store.close()
        const check = new DatabaseSync(join(dir, 'corelane.db'), { readOnly: true })
        const columns = (table: string) =>
          (check.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name)
        expect(columns('batches')).toEqual(expect.arrayContaining(['total', 'root', 'complete']))
        expect(columns('jobs')).toContain('after_ids')
        expect((check.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(4)
        expect(check.prepare('SELECT total, complete FROM batches WHERE id = 1').get()).toEqual(
          batchVals ? { total: 5, complete: 1 } : { total: null, complete: null },
        )
        check.close()
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  )
})
