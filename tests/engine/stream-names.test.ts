// `after` in a streamed batch past its window, on a real engine with real workers and a real
// SQLite store: a fan-out (every input waits for one early job) runs to any length, since a
// name that keeps being referred to stays remembered; a name that has fallen out of memory
// (referred to only now and then, while many other names came after it) is found in the
// batch's rows, with how it ended, so its dependents run, or end unrun when it failed; a name
// no earlier job has is still refused; without a store a forgotten name is refused and the
// error says why.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, JobStore, type Engine } from '../../src/main/engine/index.ts'
import { streamNamesDependencies, streamSubmission, type IndexedSpec } from '../../src/main/engine/submission.ts'
import { checkJobSpec } from '../../src/shared/schemas.ts'
import { ValidationError } from '../../src/shared/validate.ts'
import { makeEngine } from './fixture.ts'

const opened: { engine: Engine; store: JobStore; dir: string }[] = []
afterEach(async () => {
  for (const { engine, store, dir } of opened.splice(0)) {
    await engine.close()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})

/** A real engine and store; `asked` counts the store's name lookups (the real ones, counted on the way). */
async function open(): Promise<{ engine: Engine; store: JobStore; asked: () => number }> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-stream-names-'))
  const store = await JobStore.open({ dataDir: dir })
  let asked = 0
  const namedRow = store.namedRow.bind(store)
  store.namedRow = (...args) => (asked++, namedRow(...args))
  const engine = createEngine({ dataDir: dir, store, cpuSlots: 2, eventIntervalMs: 50 })
  opened.push({ engine, store, dir })
  return { engine, store, asked: () => asked }
}

interface Settled {
  state: string
  startedAt: number | null
  endedAt: number | null
  message: string | null
}

function settledByName(engine: Engine): Map<string, Settled> {
  const jobs = new Map<string, Settled>()
  engine.onJobSettled((job) =>
    jobs.set(job.name, {
      state: job.state,
      startedAt: job.startedAt,
      endedAt: job.endedAt,
      message: job.error?.message ?? null,
    }),
  )
  return jobs
}

const WINDOW = 100

/** A checked spec at input `index` (a stream of specs of different kinds). */
function item(index: number, spec: Record<string, unknown>): IndexedSpec {
  const checked = checkJobSpec(spec, `inputs[${index}]`)
  if (!checked.ok) throw new ValidationError(checked.problems)
  return { index, spec: checked.job, input: spec }
}

describe('after in a stream, past its window', () => {
  it('a fan-out: 3,000 inputs with a window of 100 all wait for the first job, and all succeed after it', async () => {
    const { engine, asked } = await open()
    const template = { name: '{}', kind: 'noop', params: {}, after: ['make folder'] }
    const inputs = [{ name: 'make folder', after: [] }, ...Array.from({ length: 2_999 }, (_, i) => `job ${i + 1}`)]
    const jobs = settledByName(engine)
    const stream = engine.submitStream({
      window: WINDOW,
      dependencies: streamNamesDependencies(template, undefined, inputs),
      specs: streamSubmission({ template, inputs }),
    })
    await stream.done
    expect(jobs.size).toBe(3_000)
    expect([...jobs.values()].filter((job) => job.state !== 'succeeded')).toEqual([])
    const first = jobs.get('make folder')!
    for (const [name, job] of jobs) if (name !== 'make folder') expect(job.startedAt!).toBeGreaterThanOrEqual(first.endedAt!)
    // Named by every input, the first job's name is never forgotten: the store was never asked.
    expect(asked()).toBe(0)
  }, 60_000)

  it('a name forgotten from memory is found in the store: its dependents run, or end unrun when it failed', async () => {
    const { engine, store, asked } = await open()
    // Every input has a name, so with a window of 100 "setup" and "broken" fall out of memory
    // long before the inputs that name them (every 500th) are read.
    async function* specs(): AsyncGenerator<IndexedSpec> {
      yield item(0, { name: 'setup', kind: 'noop', params: {} })
      yield item(1, { name: 'broken', kind: 'shell', params: { argv: ['false'] } })
      for (let i = 0; i < 2_000; i++) {
        const after = i % 500 === 499 ? [i % 1000 === 999 ? 'broken' : 'setup'] : []
        yield item(i + 2, { name: i % 500 === 499 ? `late ${i}` : `n ${i}`, kind: 'noop', params: {}, after })
      }
    }
    const jobs = settledByName(engine)
    const stream = engine.submitStream({
      window: WINDOW,
      dependencies: true,
      specs: specs(),
    })
    await stream.done
    expect(jobs.size).toBe(2_002)
    // Each of the four late inputs asked the store (again after a flush at most), the others never.
    expect(asked()).toBeGreaterThanOrEqual(4)
    expect(asked()).toBeLessThanOrEqual(8)
    expect(jobs.get('broken')!.state).toBe('failed')
    for (const i of [499, 1499]) {
      expect(jobs.get(`late ${i}`)!.state).toBe('succeeded')
      expect(jobs.get(`late ${i}`)!.startedAt!).toBeGreaterThanOrEqual(jobs.get('setup')!.endedAt!)
    }
    for (const i of [999, 1999]) {
      expect(jobs.get(`late ${i}`)).toMatchObject({
        state: 'cancelled',
        message: 'not run: it waits for "broken", which failed',
      })
    }
    // The ids stored with the dependents are those of the jobs found in the store.
    const rows = (await store.history({ batchId: stream.batchId, limit: 10_000 })).jobs
    const idOf = (name: string) => rows.find((row) => row.name === name)!.id
    expect(rows.find((row) => row.name === 'late 1499')!.after).toEqual([idOf('setup')])
    expect(rows.find((row) => row.name === 'late 1999')!.after).toEqual([idOf('broken')])
  }, 60_000)

  it('a name no earlier job has is refused, naming the field, after the store was asked', async () => {
    const { engine } = await open()
    const template = { name: 'n {}', kind: 'noop', params: {}, after: [] }
    const inputs: unknown[] = [
      { name: 'setup' },
      ...Array.from({ length: 300 }, (_, i) => i),
      { name: 'late', after: ['n setup'] }, // the object's name fills the template's {}
      { name: 'typo', after: ['n stup'] },
      'never',
    ]
    const jobs = settledByName(engine)
    const stream = engine.submitStream({
      window: WINDOW,
      dependencies: true,
      specs: streamSubmission({ template, inputs }),
    })
    const error = await stream.done.then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).problems[0]).toMatchObject({
      field: 'inputs[302].after[0]',
      message: expect.stringContaining('no job named "n stup" before it in this batch'),
    })
    expect(jobs.size).toBe(302)
    expect(jobs.get('n late')!.state).toBe('succeeded')
    expect(jobs.has('n never')).toBe(false)
  }, 60_000)

  it('without a store a forgotten name is refused, and the error says only the last names are known', async () => {
    const { engine } = await makeEngine()
    const template = { name: 'n {}', kind: 'noop', params: {}, after: [] }
    const inputs: unknown[] = [
      { name: 'setup' },
      ...Array.from({ length: 300 }, (_, i) => i),
      { name: 'late', after: ['n setup'] },
    ]
    const stream = engine.submitStream({ window: WINDOW, dependencies: true, specs: streamSubmission({ template, inputs }) })
    const error = await stream.done.then(
      () => null,
      (e: unknown) => e,
    )
    expect((error as ValidationError).problems[0]).toMatchObject({
      field: 'inputs[301].after[0]',
      message: expect.stringContaining(`no job named "n setup" before it in this batch`),
    })
    expect((error as ValidationError).problems[0]).toMatchObject({
      message: expect.stringContaining(`without a database only the last ${WINDOW} names are known`),
    })
  }, 60_000)
})
