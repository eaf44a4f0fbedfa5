// Memory limits: a job that allocates without bound is stopped by its ceiling (V8 heap limit
// for a thread, --max-old-space-size for a process) and reported as out of memory.
import { describe, expect, it } from 'vitest'
import { stat } from 'node:fs/promises'
import { makeEngine, writeScript } from './fixture.ts'

describe('memory limits', () => {
  for (const executor of ['thread', 'process'] as const) {
    it(`stops an unbounded allocation on a ${executor} and keeps the engine running`, async () => {
      const { engine } = await makeEngine()
      const { jobIds } = await engine.submit({
        jobs: [
          { kind: 'alloc-until-oom', params: { chunkMb: 8 }, executor, memoryMb: 64 },
          { kind: 'sum-squares', params: { n: 1000 }, executor },
        ],
      })
      await engine.whenSettled(jobIds)
      expect(engine.getJob(jobIds[0]!)).toMatchObject({ state: 'failed', error: { code: 'out-of-memory' } })
      expect(engine.getJob(jobIds[1]!)!.state).toBe('succeeded')
      expect((await engine.run({ kind: 'noop', params: {} })).state).toBe('succeeded')
    })
  }

  it('streams a job that floods its output to the log file without growing memory', async () => {
    const { engine, dir } = await makeEngine()
    const flood = await writeScript(
      dir,
      'flood',
      `export default async () => {
  const line = 'x'.repeat(99)
  globalThis.gc?.()
  const before = process.memoryUsage().rss
  for (let i = 0; i < 1_000_000; i++) console.log(line)
  return { grewMb: (process.memoryUsage().rss - before) / 1048576 }
}`,
    )
    const job = await engine.run({ kind: 'script', params: { module: flood }, executor: 'process' })
    expect(job.state).toBe('succeeded')
    expect((await stat(job.logFile!)).size).toBe(100_000_000)
    // 100 MB went out; the worker's memory grew by a small fraction of that.
    expect((job.result as { grewMb: number }).grewMb).toBeLessThan(40)
    const tail = await engine.readLog(job.id, 1000)
    expect(tail.truncated).toBe(true)
    expect(tail.text.length).toBe(1000)
  })
})
