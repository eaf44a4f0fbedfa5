// Memory limits: a job that allocates without bound is stopped by its ceiling (V8 heap limit
// for a thread, --max-old-space-size for a process) and reported as out of memory.
import { describe, expect, it } from 'vitest'
import { makeEngine } from './fixture.ts'

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
})
