// Retrying a dependency of a streamed batch (engine.submitStream), on a real engine with real
// shell processes and a real SQLite store: a job that failed until its cause was fixed is
// retried, and every job it had stopped (its dependents, and theirs) comes back queued and runs
// after it, also those the stream had already dropped from memory (their rows are read back
// from the store); a stopped job that also waits for another failed job stays stopped; an
// input read after the retry that names the retried job waits for it instead of ending; a
// retry cancelled before the store answered; and a restart that loads only the jobs to run
// again, as the CLI's --resume and --resume-failed of a stream do.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobView } from '../../src/shared/job.ts'
import type { ValidJobSpec } from '../../src/shared/schemas.ts'
import { createEngine, JobStore, type Engine } from '../../src/main/engine/index.ts'
import type { IndexedSpec } from '../../src/main/engine/submission.ts'
import { makeEngine, until } from './fixture.ts'

const opened: { engine: Engine; store: JobStore; dir: string }[] = []
afterEach(async () => {
  for (const { engine, store, dir } of opened.splice(0)) {
    await engine.close()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})

async function open(): Promise<{ engine: Engine; store: JobStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-stream-retry-'))
  const store = await JobStore.open({ dataDir: dir })
  const engine = createEngine({ dataDir: dir, store, cpuSlots: 2, graceMs: 300, retryBackoffMs: 20, eventIntervalMs: 50 })
  const handle = { engine, store, dir }
  opened.push(handle)
  return handle
}

const shell = (name: string, command: string, after?: string[]) => ({
  name,
  kind: 'shell',
  params: { argv: [command], shell: true },
  ...(after ? { after } : {}),
})

/**
 * A stream given spec by spec: `first` at once, then `rest` only once `more` resolves (the
 * stream stays open meanwhile, as a long one does while the user retries a job).
 */
async function* fed(first: Record<string, unknown>[], more: Promise<void>, rest: Record<string, unknown>[]) {
  let index = 0
  const item = (spec: Record<string, unknown>): IndexedSpec => ({ index: index++, spec: spec as unknown as ValidJobSpec })
  for (const spec of first) yield item(spec)
  await more
  for (const spec of rest) yield item(spec)
}

/** The last view of each job, by name, as onJobSettled reported it. */
function settledByName(engine: Engine): Map<string, JobView> {
  const views = new Map<string, JobView>()
  engine.onJobSettled((job) => views.set(job.name, job))
  return views
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

describe('retrying a dependency of a streamed batch', () => {
  it('brings back every job it stopped, transitively, and they run after it once it succeeds', async () => {
    const { engine, dir } = await open()
    const marker = join(dir, 'fixed')
    const more = gate()
    const views = settledByName(engine)
    const stream = engine.submitStream({
      name: 'retry in memory',
      window: 50,
      dependencies: true,
      specs: fed(
        [
          shell('A', `test -f ${marker}`),
          shell('X', 'exit 4'),
          shell('B', 'true', ['A']),
          shell('C', 'true', ['A', 'B']),
          shell('D', 'true', ['C', 'X']),
          shell('E', 'true', ['D']),
        ],
        more.promise,
        [shell('F', 'true', ['A'])],
      ),
    })
    await until(() => views.size === 6, 20_000, 'the first jobs to settle')
    expect(views.get('A')!.state).toBe('failed')
    for (const name of ['B', 'C', 'D', 'E']) expect(views.get(name)).toMatchObject({ state: 'cancelled', startedAt: null })
    expect(views.get('B')!.error).toEqual({ code: 'dependency-failed', message: 'not run: it waits for "A", which failed' })

    await writeFile(marker, '')
    expect(engine.retry([views.get('A')!.id])).toBe(1)
    // Read after the retry: "F" names A, which runs again, so F waits for it instead of ending.
    more.open()
    await until(() => views.get('C')?.state === 'succeeded' && views.get('F')?.state === 'succeeded', 20_000, 'B, C and F')
    await stream.done
    const [a, b, c, f] = ['A', 'B', 'C', 'F'].map((name) => views.get(name)!)
    expect([a, b, c, f].map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
    expect(b!.startedAt!).toBeGreaterThanOrEqual(a!.endedAt!)
    expect(c!.startedAt!).toBeGreaterThanOrEqual(b!.endedAt!)
    expect(f!.startedAt!).toBeGreaterThanOrEqual(a!.endedAt!)
    // D also waits for X, which failed and was not retried: D stays stopped (it never started), and so does E.
    expect(views.get('D')).toMatchObject({ state: 'cancelled', startedAt: null, error: { code: 'dependency-failed' } })
    expect(views.get('E')).toMatchObject({ state: 'cancelled', startedAt: null })
    const batch = engine.batches().find((view) => view.id === stream.batchId)!
    expect(batch.counts).toMatchObject({ succeeded: 4, failed: 1, cancelled: 2, queued: 0, running: 0 })
  }, 60_000)

  it('brings back stopped jobs that had already left memory, from their rows in the store', async () => {
    const { engine, store, dir } = await open()
    const marker = join(dir, 'fixed')
    const more = gate()
    const views = settledByName(engine)
    // A window far smaller than the stream: its finished jobs are dropped from memory as it reads.
    const fillers = Array.from({ length: 40 }, (_, i) => ({ name: `filler ${i}`, kind: 'noop', params: {} }))
    const stream = engine.submitStream({
      name: 'retry from the store',
      window: 8,
      dependencies: true,
      specs: fed(
        [shell('A', `test -f ${marker}`), shell('B', 'true', ['A']), shell('C', 'true', ['A', 'B'])],
        more.promise,
        fillers,
      ),
    })
    await until(() => views.size === 3, 20_000, 'the first jobs to settle')
    const [a, b, c] = ['A', 'B', 'C'].map((name) => views.get(name)!)
    expect([a!.state, b!.state, c!.state]).toEqual(['failed', 'cancelled', 'cancelled'])

    await writeFile(marker, '')
    expect(engine.retry([a!.id])).toBe(1)
    // The stream drops its finished jobs (as its reading does every half window) before the
    // store has answered which jobs A stopped: B and C are only rows in the database now.
    engine.clearFinished({ keepBatchCounts: true, batchId: stream.batchId })
    expect(engine.getJob(b!.id)).toBeUndefined()
    expect(engine.getJob(c!.id)).toBeUndefined()
    more.open()
    await until(() => views.get('C')!.state === 'succeeded', 20_000, 'C to run again')
    await stream.done
    const again = ['A', 'B', 'C'].map((name) => views.get(name)!)
    expect(again.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expect(again[1]!.startedAt!).toBeGreaterThanOrEqual(again[0]!.endedAt!)
    expect(again[2]!.startedAt!).toBeGreaterThanOrEqual(again[1]!.endedAt!)
    // The batch counts each job once: nothing stays cancelled or failed.
    const batch = engine.batches().find((view) => view.id === stream.batchId)!
    expect(batch.counts).toMatchObject({ succeeded: 43, failed: 0, cancelled: 0, queued: 0 })
    expect(batch.total).toBe(43)
    await engine.flushStore()
    const rows = (await store.history({ batchId: stream.batchId, limit: 100 })).jobs
    expect(rows.filter((row) => row.state !== 'succeeded')).toEqual([])
  }, 60_000)

  it('without a store: a stopped job retried on its own while its dependency failed ends again unrun; retrying the dependency runs both', async () => {
    const { engine, dir } = await makeEngine({ cpuSlots: 2 })
    const marker = join(dir, 'fixed')
    const more = gate()
    const views = settledByName(engine)
    const stream = engine.submitStream({
      name: 'no store',
      window: 50,
      dependencies: true,
      specs: fed([shell('X', `test -f ${marker}`), shell('D', 'true', ['X'])], more.promise, []),
    })
    await until(() => views.size === 2, 20_000, 'X and D to settle')
    const [x, d] = [views.get('X')!, views.get('D')!]
    expect([x.state, d.state]).toEqual(['failed', 'cancelled'])
    views.clear()
    // D alone: X still failed, so D does not run (it ends again, naming X).
    expect(engine.retry([d.id])).toBe(1)
    await until(() => views.has('D'), 20_000, 'D to end again')
    expect(views.get('D')).toMatchObject({
      state: 'cancelled',
      startedAt: null,
      error: { code: 'dependency-failed', message: 'not run: it waits for "X", which failed' },
    })
    await writeFile(marker, '')
    expect(engine.retry([x.id])).toBe(1)
    await until(() => views.get('D')?.state === 'succeeded', 20_000, 'D to run after X')
    expect(views.get('D')!.startedAt!).toBeGreaterThanOrEqual(views.get('X')!.endedAt!)
    more.open()
    await stream.done
  }, 60_000)

  it('a retried job cancelled before the store answered stays cancelled, and what it stopped stays stopped', async () => {
    const { engine, dir } = await open()
    const marker = join(dir, 'fixed')
    const more = gate()
    const views = settledByName(engine)
    const stream = engine.submitStream({
      name: 'cancelled retry',
      window: 50,
      dependencies: true,
      specs: fed([shell('A', `test -f ${marker}`), shell('B', 'true', ['A'])], more.promise, []),
    })
    await until(() => views.size === 2, 20_000, 'A and B to settle')
    const [a, b] = [views.get('A')!, views.get('B')!]
    await writeFile(marker, '')
    views.clear()
    expect(engine.retry([a.id])).toBe(1)
    // Held for the store's answer, in no queue: cancelled there.
    expect(engine.cancel([a.id])).toBe(1)
    await until(() => views.has('A'), 20_000, 'A to end')
    await engine.flushStore()
    await engine.flushStore()
    expect(views.get('A')).toMatchObject({ state: 'cancelled', startedAt: null })
    expect(engine.getJob(b.id)).toMatchObject({ state: 'cancelled', startedAt: null })
    expect(views.has('B')).toBe(false)
    // The queues were left right: a second retry runs both.
    expect(engine.retry([a.id])).toBe(1)
    await until(() => views.get('B')?.state === 'succeeded', 20_000, 'B to run after A')
    expect(views.get('A')!.state).toBe('succeeded')
    more.open()
    await stream.done
    expect(engine.stats().counts).toMatchObject({ queued: 0, running: 0 })
  }, 60_000)

  // What `corelane run --resume` and `--resume-failed` do with a streamed batch (run-start.ts):
  // after a restart only the jobs to run again are loaded (with --resume the interrupted and
  // cancelled ones, with --resume-failed the failed and timed-out ones too), and retried.
  it('after a restart: --resume leaves jobs stopped by a failed one stopped; --resume-failed runs them after it', async () => {
    const first = await open()
    const marker = join(first.dir, 'fixed')
    const views = settledByName(first.engine)
    const list = [shell('A', `test -f ${marker}`), shell('B', 'true', ['A']), shell('C', 'true', ['A', 'B'])]
    const fillers = Array.from({ length: 20 }, (_, i) => ({ name: `filler ${i}`, kind: 'noop', params: {} }))
    const stream = first.engine.submitStream({
      name: 'resumed',
      window: 8,
      dependencies: true,
      specs: fed([...list, ...fillers], Promise.resolve(), []),
    })
    await stream.done
    expect(['A', 'B', 'C'].map((name) => views.get(name)!.state)).toEqual(['failed', 'cancelled', 'cancelled'])
    const ids = ['A', 'B', 'C'].map((name) => views.get(name)!.id)
    await first.engine.close()
    await first.store.close()
    opened.splice(opened.indexOf(first), 1)

    const restart = async (failed: boolean) => {
      const store = await JobStore.open({ dataDir: first.dir })
      const engine = createEngine({ dataDir: first.dir, store, cpuSlots: 2, graceMs: 300, eventIntervalMs: 50 })
      opened.push({ engine, store, dir: first.dir })
      engine.restore(await store.load({ batches: [stream.batchId], finished: false, failed }))
      const states = failed ? ['failed', 'timed-out', 'interrupted', 'cancelled'] : ['interrupted', 'cancelled']
      const again = engine.listJobs({ batchId: stream.batchId, limit: 1000 }).jobs.filter((j) => states.includes(j.state))
      return { engine, store, again: again.map((j) => j.id) }
    }

    // --resume: A failed and is not loaded; B and C are, and must not run (A did not succeed).
    const resumed = await restart(false)
    expect(resumed.again.sort()).toEqual(ids.slice(1))
    const ended = settledByName(resumed.engine)
    resumed.engine.retry(resumed.again)
    await until(() => ended.size === 2, 20_000, 'B and C to end again')
    expect(ended.get('B')).toMatchObject({
      state: 'cancelled',
      startedAt: null,
      error: { code: 'dependency-failed', message: 'not run: it waits for "A", which failed' },
    })
    expect(ended.get('C')).toMatchObject({ state: 'cancelled', startedAt: null })
    await resumed.engine.flushStore()
    await resumed.engine.close()
    await resumed.store.close()
    opened.pop()

    // --resume-failed, once A's cause is fixed: A runs again, then B, then C.
    await writeFile(marker, '')
    const fixed = await restart(true)
    expect(fixed.again.sort()).toEqual(ids)
    const ran = settledByName(fixed.engine)
    fixed.engine.retry(fixed.again)
    await fixed.engine.whenSettled(ids)
    await until(() => ran.size === 3, 20_000, 'A, B and C')
    const [a, b, c] = ['A', 'B', 'C'].map((name) => ran.get(name)!)
    expect([a!.state, b!.state, c!.state]).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expect(b!.startedAt!).toBeGreaterThanOrEqual(a!.endedAt!)
    expect(c!.startedAt!).toBeGreaterThanOrEqual(b!.endedAt!)
  }, 60_000)
})
