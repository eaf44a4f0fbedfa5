// Spread: CPU jobs on two slots finish in well under the time they take on one slot, for
// threads and for processes. Ratios only, generous, never absolute times.
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { makeEngine } from '../fixture.ts'

// Three tries, as the lab's lessons: full CI runs on this VM measured 0.82× and 0.88× where
// runs alone give 0.5–0.6×; a spread that never happens still fails.
describe.runIf(availableParallelism() >= 2)('CPU spread', { retry: 2 }, () => {
  for (const executor of ['thread', 'process'] as const) {
    it(`4 sum-squares jobs on 2 ${executor} slots beat 1 slot`, async () => {
      const template = { kind: 'sum-squares', params: { n: 2e8 }, executor }
      const start = async (cpuSlots: number) => {
        const { engine } = await makeEngine({ cpuSlots })
        // Warm every slot's worker up, so the runs measure work, not start-up.
        await engine.submit({ template, count: cpuSlots })
        await engine.whenSettled()
        return engine
      }
      const wall = async (engine: Awaited<ReturnType<typeof start>>) => {
        const t = performance.now()
        await engine.submit({ template, count: 4 })
        await engine.whenSettled()
        return performance.now() - t
      }
      const one = await start(1)
      const two = await start(2)
      // Alternated, the fastest of two runs each: on this shared VM a moment of stolen CPU in a
      // single run made 2 slots 0.82× of 1 in a CI run, while the work itself spreads.
      const oneMs: number[] = []
      const twoMs: number[] = []
      for (let round = 0; round < 2; round++) {
        oneMs.push(await wall(one))
        twoMs.push(await wall(two))
      }
      expect(new Set(two.workers().map((w) => w.id)).size).toBeGreaterThanOrEqual(2)
      // Ideal is 0.5; allow a lot for a busy CI machine.
      expect(Math.min(...twoMs) / Math.min(...oneMs)).toBeLessThan(0.8)
    })
  }
})
