// The job lifecycle on real workers: results, priorities, pause, cancel, timeouts, retries.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { makeEngine, until, writeScript } from './fixture.ts'

describe('job lifecycle', () => {
  it('runs CPU and I/O kinds on the executors their kinds declare, with results', async () => {
    const { engine } = await makeEngine()
    const sum = await engine.run({ kind: 'sum-squares', params: { n: 10 } })
    expect(sum).toMatchObject({ state: 'succeeded', executor: 'thread', lane: 'cpu', attempts: 1, result: { sum: '285' } })
    const slept = await engine.run({ kind: 'sleep', params: { ms: 20 } })
    expect(slept).toMatchObject({ state: 'succeeded', lane: 'io' })
    const shell = await engine.run({ kind: 'shell', params: { argv: [process.execPath, '-e', 'console.log("hello")'] } })
    expect(shell).toMatchObject({ state: 'succeeded', executor: 'process' })
    expect((await engine.readLog(shell.id)).text).toBe('hello\n')
    expect(sum.startedAt).toBeGreaterThanOrEqual(sum.createdAt)
    expect(sum.endedAt).toBeGreaterThanOrEqual(sum.startedAt!)
  })

  it('lets a job override its executor and lane', async () => {
    const { engine } = await makeEngine()
    const job = await engine.run({ kind: 'sum-squares', params: { n: 1000 }, executor: 'process', lane: 'io' })
    expect(job).toMatchObject({ state: 'succeeded', executor: 'process', lane: 'io' })
    const worker = engine.workers().find((w) => w.id === job.workerId || w.executor === 'process')
    expect(worker?.executor).toBe('process')
  })

  it('keeps start times, workers and attempts for jobs that start and end between two reports', async () => {
    // Short jobs end before the worker reports their start, so it reports both at once and the
    // engine skips the passing "running" state; everything else about the job must still hold.
    const { engine, dir } = await makeEngine({ retryBackoffMs: 1 })
    const flaky = await writeScript(
      dir,
      'flaky',
      'export default async (p, ctx) => { if (ctx.attempt < 2) throw new Error("first try"); return { ok: true } }',
    )
    const { jobIds } = await engine.submit({ template: { kind: 'noop', params: {} }, count: 500 })
    const retried = await engine.run({ kind: 'script', params: { module: flaky }, retries: 1 })
    await engine.whenSettled(jobIds)
    for (const id of jobIds) {
      const job = engine.getJob(id)!
      expect(job).toMatchObject({ state: 'succeeded', attempts: 1 })
      expect(job.workerId).toBeGreaterThan(0)
      expect(job.startedAt).toBeGreaterThanOrEqual(job.createdAt)
      expect(job.endedAt).toBeGreaterThanOrEqual(job.startedAt!)
    }
    expect(retried).toMatchObject({ state: 'succeeded', attempts: 2, result: { ok: true } })
    expect(engine.stats().counts).toMatchObject({ running: 0, queued: 0, succeeded: 501 })
    // A job that lasts is reported running while it runs.
    const long = await engine.submit({ template: { kind: 'sum-squares', params: { n: 300_000_000 } }, count: 1 })
    await until(() => engine.getJob(long.jobIds[0]!)?.state === 'running', 10_000, 'the long job to be running')
    engine.cancel(long.jobIds)
  })

  it('writes large results to a file and keeps a summary', async () => {
    const { engine } = await makeEngine()
    const job = await engine.run({ kind: 'mandelbrot', params: { width: 200, height: 200, maxIter: 50 } })
    expect(job.state).toBe('succeeded')
    expect(job.resultFile?.bytes).toBeGreaterThan(64 * 1024)
    expect(job.result).toMatchObject({ width: 200, height: 200 })
    const full = JSON.parse(await readFile(job.resultFile!.file, 'utf8'))
    expect(full.iterations).toHaveLength(200 * 200)
  })

  it('runs higher priorities first and FIFO within a priority', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1, paused: true })
    const low = await engine.submit({ template: { kind: 'sum-squares', params: { n: 1000 }, priority: -1 }, count: 3 })
    const mid = await engine.submit({ template: { kind: 'sum-squares', params: { n: 1000 } }, count: 3 })
    const high = await engine.submit({ template: { kind: 'sum-squares', params: { n: 1000 }, priority: 5 }, count: 3 })
    const settled: number[] = []
    engine.onJobSettled((job) => settled.push(job.id))
    engine.resume()
    await engine.whenSettled()
    // With one slot, jobs finish in the order they start: priority order, FIFO within each priority.
    expect(settled).toEqual([...high.jobIds, ...mid.jobIds, ...low.jobIds])
  })

  it('holds queued work while paused', async () => {
    const { engine } = await makeEngine({ paused: true })
    const { jobIds } = await engine.submit({ template: { kind: 'noop', params: {} }, count: 10 })
    await new Promise((r) => setTimeout(r, 100))
    expect(engine.stats().counts.queued).toBe(10)
    engine.resume()
    await engine.whenSettled(jobIds)
    expect(engine.stats().counts.succeeded).toBe(10)
  })

  it('cancels queued jobs and a running job cooperatively', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const { jobIds } = await engine.submit({ template: { kind: 'sum-squares', params: { n: 5e10 } }, count: 3 })
    await until(() => engine.getJob(jobIds[0]!)!.state === 'running', 10_000, 'first job running')
    expect(engine.cancel(jobIds)).toBe(3)
    const t = Date.now()
    await engine.whenSettled(jobIds)
    expect(Date.now() - t).toBeLessThan(2000)
    for (const id of jobIds) expect(engine.getJob(id)!.state).toBe('cancelled')
    // The worker survived the cooperative cancel and runs the next job.
    const after = await engine.run({ kind: 'sum-squares', params: { n: 100 } })
    expect(after.state).toBe('succeeded')
  })

  it('stops a job at its timeout, even one that never yields, and replaces the worker', async () => {
    const { engine, dir } = await makeEngine()
    const spin = await writeScript(dir, 'spin', 'export default async () => { for (;;) {} }')
    const before = Date.now()
    const job = await engine.run({ kind: 'script', params: { module: spin }, executor: 'thread', timeoutMs: 200 })
    expect(job.state).toBe('timed-out')
    expect(job.error?.code).toBe('timeout')
    expect(Date.now() - before).toBeLessThan(5000)
    const next = await engine.run({ kind: 'script', params: { module: spin }, executor: 'process', timeoutMs: 200 })
    expect(next.state).toBe('timed-out')
    expect((await engine.run({ kind: 'noop', params: {} })).state).toBe('succeeded')
  })

  it('retries a failing job with backoff until it succeeds, or gives up', async () => {
    const { engine, dir } = await makeEngine()
    const flaky = await writeScript(
      dir,
      'flaky',
      `import { readFile, writeFile } from 'node:fs/promises'
export default async (input) => {
  let n = 0
  try { n = Number(await readFile(input.counter, 'utf8')) } catch {}
  await writeFile(input.counter, String(n + 1))
  if (n + 1 < input.succeedOn) throw new Error('flaky failure ' + (n + 1))
  return { attempt: n + 1 }
}`,
    )
    const ok = await engine.run({
      kind: 'script',
      params: { module: flaky, input: { counter: `${dir}/a`, succeedOn: 3 } },
      retries: 2,
    })
    expect(ok).toMatchObject({ state: 'succeeded', attempts: 3, result: { attempt: 3 } })
    const failed = await engine.run({
      kind: 'script',
      params: { module: flaky, input: { counter: `${dir}/b`, succeedOn: 3 } },
      retries: 1,
    })
    expect(failed).toMatchObject({ state: 'failed', attempts: 2, error: { code: 'job-error', message: 'flaky failure 2' } })
    // A manual retry runs it again (third try succeeds).
    expect(engine.retry([failed.id])).toBe(1)
    await engine.whenSettled([failed.id])
    expect(engine.getJob(failed.id)).toMatchObject({ state: 'succeeded' })
  })

  it('rejects invalid jobs with errors naming the field, and queues nothing', async () => {
    const { engine } = await makeEngine()
    await expect(
      engine.submit({
        jobs: [
          { kind: 'sleep', params: { ms: 1 } },
          { kind: 'sum-squares', params: { n: -1 } },
        ],
      }),
    ).rejects.toThrow('jobs[1].params.n')
    await expect(engine.submit({ jobs: [{ kind: 'nope', params: {} }] })).rejects.toThrow('jobs[0].kind: unknown kind "nope"')
    await expect(engine.submit({ template: { kind: 'hash', params: { file: '{}' } }, inputs: ['a', 7] })).rejects.toThrow(
      'inputs[1].params.file',
    )
    expect(engine.listJobs().total).toBe(0)
  })

  it('reports batch progress, throughput and ETA', async () => {
    const { engine } = await makeEngine()
    const { batchId, jobIds } = await engine.submit({
      name: 'sleeps',
      template: { kind: 'sleep', params: { ms: 50 } },
      count: 40,
    })
    engine.setLimits({ ioConcurrency: 4 })
    await until(() => engine.batches()[0]!.counts.succeeded >= 8, 10_000, 'some progress')
    const mid = engine.batches().find((b) => b.id === batchId)!
    expect(mid.name).toBe('sleeps')
    expect(mid.throughput).toBeGreaterThan(0)
    expect(mid.etaMs).not.toBeNull()
    await engine.whenSettled(jobIds)
    const end = engine.batches().find((b) => b.id === batchId)!
    expect(end.counts.succeeded).toBe(40)
    expect(end.endedAt).not.toBeNull()
    expect(end.etaMs).toBe(0)
  })

  it('coalesces change events however many jobs change', async () => {
    const { engine } = await makeEngine({ eventIntervalMs: 200 })
    const deliveries: number[] = []
    engine.subscribe((changes) => deliveries.push(changes.jobs.length))
    const t = Date.now()
    await engine.submit({ template: { kind: 'noop', params: {} }, count: 10_000 })
    await engine.whenSettled()
    await new Promise((r) => setTimeout(r, 250))
    const seconds = (Date.now() - t) / 1000
    expect(deliveries.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000)
    expect(deliveries.length).toBeLessThanOrEqual(Math.ceil(seconds * 5) + 1)
  })
})
