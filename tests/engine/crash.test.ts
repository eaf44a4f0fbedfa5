// Crash containment: a job that throws, exits its worker, is killed with SIGKILL, or spins
// forever fails (or retries) alone; every other job still succeeds and workers are replaced.
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { makeEngine, until, writeScript } from './fixture.ts'

const rawResultWorker = fileURLToPath(new URL('./fixtures/raw-result-worker.ts', import.meta.url))
describe('crash containment', () => {
  for (const executor of ['thread', 'process'] as const) {
    it(`keeps results and progress notes that cannot travel as messages from hurting other jobs (${executor})`, async () => {
      const { engine, dir } = await makeEngine()
      const script = async (name: string, body: string) =>
        writeScript(dir, name, `export default async (input, ctx) => { ${body} }`)
      const modules = [
        await script('fn', 'return { f: () => 1, n: 1, when: new Date(0) }'),
        await script('cycle', 'const a = {}; a.self = a; return a'),
        await script('bigint', 'return 10n'),
        await script(
          'notes',
          'ctx.progress(NaN, { toString: () => "a note" }); ctx.progress(0.5, Symbol("x")); await new Promise((r) => setTimeout(r, 150)); return "done"',
        ),
      ]
      // Sleeps on the same I/O worker: a crash there would fail them all.
      const sleeps = await engine.submit({ template: { kind: 'sleep', params: { ms: 300 }, lane: 'io', executor }, count: 5 })
      const runs = await Promise.all(
        modules.map((module) => engine.run({ kind: 'script', params: { module }, executor, lane: 'io' })),
      )
      await engine.whenSettled(sleeps.jobIds)
      expect(runs[0]).toMatchObject({ state: 'succeeded', result: { n: 1, when: '1970-01-01T00:00:00.000Z' } })
      expect(runs[1]).toMatchObject({ state: 'failed', error: { code: 'job-error' } })
      expect(runs[1]!.error!.message).toContain('cannot be saved as JSON')
      expect(runs[2]!.error!.message).toContain('BigInt')
      expect(runs[3]).toMatchObject({ state: 'succeeded', result: 'done' })
      for (const id of sleeps.jobIds) expect(engine.getJob(id)!.state).toBe('succeeded')
    })
  }

  it('fails only the job whose worker reports a result that is not plain JSON data', async () => {
    // The forging used to be done by the scripts themselves; now only a sealed message of the
    // runtime counts, so a runtime without its result checks (a fixture) sends the bad values.
    const { engine, dir } = await makeEngine({ workerEntries: { process: rawResultWorker } })
    const forge = (name: string, result: string) => writeScript(dir, name, `export default async () => ${result}`)
    const modules = [
      await forge('bigint', '10n'),
      await forge('map', 'new Map([[1, 2]])'),
      await forge('cycle', '(() => { const a = []; a.push(a); return a })()'),
    ]
    const { jobIds } = await engine.submit({
      jobs: [
        ...modules.map((module) => ({ kind: 'script', params: { module }, executor: 'process' })),
        { kind: 'sum-squares', params: { n: 10 } },
      ],
    })
    await engine.whenSettled(jobIds)
    for (const id of jobIds.slice(0, 3)) {
      expect(engine.getJob(id)).toMatchObject({
        state: 'failed',
        error: { code: 'job-error', message: 'the worker reported a result that is not plain JSON data' },
      })
    }
    expect(engine.getJob(jobIds[3]!)).toMatchObject({ state: 'succeeded', result: { sum: '285' } })
  })

  it('ignores whatever a user script sends on its worker process channel', async () => {
    const { engine, dir } = await makeEngine()
    // The script shares its process with the worker runtime, so it can forge messages.
    const forger = await writeScript(
      dir,
      'forge',
      `export default async (input, ctx) => {
        for (const m of [null, 42, 'text', [], { t: 'ev', e: 'not a list' }, { t: 'ev', e: { length: 1e9 } },
          { t: 'ev', e: [99, 1, 2] }, { t: 'ev', e: ['1', ctx.jobId, 0] }, { t: 'ev', e: [2] }, { t: 'hello' }, { t: 'hello', pid: 1, tid: 1, executor: 'process' }])
          process.send(m)
        await new Promise((resolve) => setTimeout(resolve, 50))
        return { sent: true }
      }`,
    )
    const { jobIds } = await engine.submit({
      jobs: [
        { kind: 'script', params: { module: forger }, executor: 'process' },
        { kind: 'sum-squares', params: { n: 1000 }, executor: 'process' },
        { kind: 'sleep', params: { ms: 20 } },
      ],
    })
    await engine.whenSettled(jobIds)
    expect(jobIds.map((id) => engine.getJob(id)!.state)).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expect(engine.getJob(jobIds[0]!)!.result).toEqual({ sent: true })
    // Only the runtime's own hello names a worker's process and thread.
    for (const worker of engine.workers()) expect([worker.pid, worker.tid]).not.toContain(1)
    // The engine still takes new work.
    expect(await engine.run({ kind: 'noop', params: {}, executor: 'process' })).toMatchObject({ state: 'succeeded' })
  })

  for (const executor of ['thread', 'process'] as const) {
    it(`isolates throw, process.exit and infinite loops on ${executor} workers`, async () => {
      const { engine, dir } = await makeEngine()
      const thrower = await writeScript(dir, 'throw', 'export default async () => { throw new Error("boom") }')
      const exiter = await writeScript(dir, 'exit', 'export default async () => { process.exit(7) }')
      const spinner = await writeScript(dir, 'spin', 'export default async () => { for (;;) {} }')
      const good = { kind: 'sum-squares', params: { n: 200_000 }, executor }
      const jobs = [
        good,
        { kind: 'script', params: { module: thrower }, executor },
        good,
        { kind: 'script', params: { module: exiter }, executor },
        good,
        { kind: 'script', params: { module: spinner }, executor, timeoutMs: 300 },
        good,
        good,
      ]
      const { jobIds } = await engine.submit({ jobs })
      await engine.whenSettled(jobIds)
      const views = jobIds.map((id) => engine.getJob(id)!)
      expect(views[1]).toMatchObject({ state: 'failed', error: { code: 'job-error', message: 'boom' } })
      expect(views[3]).toMatchObject({ state: 'failed', error: { code: 'worker-crashed' } })
      expect(views[5]).toMatchObject({ state: 'timed-out' })
      for (const i of [0, 2, 4, 6, 7]) expect(views[i]).toMatchObject({ state: 'succeeded', result: { sum: '2666646666700000' } })
      // Workers were replaced: new work still runs.
      expect((await engine.run(good)).state).toBe('succeeded')
    })
  }

  it('fails only the running job when a process worker is killed with SIGKILL, and retries it', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2 })
    const long = { kind: 'sum-squares', params: { n: 3e9 }, executor: 'process' as const, retries: 1 }
    const { jobIds } = await engine.submit({
      jobs: [long, { kind: 'sleep', params: { ms: 300 }, lane: 'cpu', executor: 'process' }],
    })
    await until(() => engine.getJob(jobIds[0]!)!.state === 'running', 10_000, 'long job running')
    const view = engine.getJob(jobIds[0]!)!
    const worker = engine.workers().find((w) => w.id === view.workerId)!
    expect(worker.executor).toBe('process')
    process.kill(worker.pid!, 'SIGKILL')
    await until(
      () => engine.getJob(jobIds[0]!)!.attempts === 2 && engine.getJob(jobIds[0]!)!.state === 'running',
      15_000,
      'retry',
    )
    engine.cancel([jobIds[0]!])
    await engine.whenSettled(jobIds)
    expect(engine.getJob(jobIds[1]!)!.state).toBe('succeeded')
    expect(engine.getJob(jobIds[0]!)!.state).toBe('cancelled')
    expect(engine.workers().some((w) => w.pid === worker.pid)).toBe(false)
  })

  it('reports a killed worker as worker-crashed when no retries remain', async () => {
    const { engine } = await makeEngine()
    const { jobIds } = await engine.submit({ jobs: [{ kind: 'sum-squares', params: { n: 3e9 }, executor: 'process' }] })
    await until(() => engine.getJob(jobIds[0]!)!.state === 'running', 10_000, 'running')
    const worker = engine.workers().find((w) => w.id === engine.getJob(jobIds[0]!)!.workerId)!
    process.kill(worker.pid!, 'SIGKILL')
    await engine.whenSettled(jobIds)
    expect(engine.getJob(jobIds[0]!)).toMatchObject({
      state: 'failed',
      error: { code: 'worker-crashed', message: 'worker process killed by SIGKILL' },
    })
  })
})
