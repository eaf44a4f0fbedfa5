// Spread: CPU jobs on two slots finish in well under the time they take on one slot, for
// threads and for processes. Ratios only, generous, never absolute times.
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { makeEngine } from '../fixture.ts'

describe.runIf(availableParallelism() >= 2)('CPU spread', () => {
  for (const executor of ['thread', 'process'] as const) {
    it(`4 sum-squares jobs on 2 ${executor} slots beat 1 slot`, async () => {
      const template = { kind: 'sum-squares', params: { n: 2e8 }, executor }
      const wall = async (cpuSlots: number) => {
        const { engine } = await makeEngine({ cpuSlots })
        // Warm every slot's worker up, so both runs measure work, not start-up.
        await engine.submit({ template, count: cpuSlots })
        await engine.whenSettled()
        const t = performance.now()
        await engine.submit({ template, count: 4 })
        await engine.whenSettled()
        const ms = performance.now() - t
        const cores = new Set(engine.workers().map((w) => w.id))
        return { ms, workers: cores.size }
      }
      const one = await wall(1)
      const two = await wall(2)
      expect(two.workers).toBeGreaterThanOrEqual(2)
      // Ideal is 0.5; allow a lot for a busy CI machine.
      expect(two.ms / one.ms).toBeLessThan(0.8)
    })
  }
})
