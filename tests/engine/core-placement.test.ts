// The pinning rule on its own: busy workers on distinct cores, idle ones on what is left,
// and as few moves as possible from where workers are now.
import { describe, expect, it } from 'vitest'
import { placeOnCores, type PlacedWorker } from '../../src/main/engine/executors/core-placement.ts'

const w = (id: number, busy: boolean, core: number | null): PlacedWorker => ({ id, busy, core })
const coresOf = (placement: Map<number, number>, ids: number[]): number[] => ids.map((id) => placement.get(id)!)

describe('placeOnCores', () => {
  it('moves a busy worker off a core another busy worker holds, when an idle one holds the free core', () => {
    // Issue #13 item 4: after the slots changed, workers 2 and 3 ran jobs on core 1 while idle worker 1 held core 0.
    const placement = placeOnCores([w(1, false, 0), w(2, true, 1), w(3, true, 1)], 2)
    const [two, three] = coresOf(placement, [2, 3])
    expect(new Set([two, three]).size).toBe(2)
    expect(two).toBe(1) // the older one stays where it is
    expect(three).toBe(0)
    expect(placement.get(1)).toBeGreaterThanOrEqual(0)
  })

  it('moves nobody when the busy workers are already on distinct cores', () => {
    const workers = [w(4, true, 1), w(7, true, 0), w(9, false, 1)]
    const placement = placeOnCores(workers, 2)
    for (const worker of workers) expect(placement.get(worker.id)).toBe(worker.core)
  })

  it('puts busy workers on distinct cores before idle ones, whatever their ids', () => {
    const placement = placeOnCores([w(1, false, 0), w(2, false, 1), w(3, true, 0), w(4, true, 0)], 4)
    const busy = coresOf(placement, [3, 4])
    expect(new Set(busy).size).toBe(2)
    expect(busy).toContain(0) // one of them keeps core 0
    // The idle workers go where no busy worker is.
    for (const core of coresOf(placement, [1, 2])) expect(busy).not.toContain(core)
  })

  it('places new workers (no core yet) on free cores', () => {
    const placement = placeOnCores([w(1, true, 1), w(2, true, null), w(3, true, null)], 3)
    expect(placement.get(1)).toBe(1)
    expect(new Set(placement.values()).size).toBe(3)
  })

  it('gives a worker a valid core when its core is beyond the cores there are', () => {
    const placement = placeOnCores([w(1, true, 5), w(2, true, 0)], 2)
    expect(placement.get(2)).toBe(0)
    expect(placement.get(1)).toBe(1)
  })

  it('spreads more busy workers than cores evenly, busy ones before idle', () => {
    const workers = [w(1, true, 0), w(2, true, 0), w(3, true, 0), w(4, true, 0), w(5, true, 0), w(6, false, 0)]
    const placement = placeOnCores(workers, 2)
    const perCore = [0, 0]
    for (const id of [1, 2, 3, 4, 5]) perCore[placement.get(id)!]!++
    expect(perCore.sort()).toEqual([2, 3])
    // The idle worker goes on the core with fewer busy workers.
    const busyOnIdleCore = [1, 2, 3, 4, 5].filter((id) => placement.get(id) === placement.get(6)).length
    expect(busyOnIdleCore).toBe(2)
  })

  it('keeps every core within one worker of the others', () => {
    for (let cores = 1; cores <= 4; cores++) {
      for (let n = 0; n <= 9; n++) {
        const workers = Array.from({ length: n }, (_, i) => w(i + 1, i % 3 !== 2, i % 2 === 0 ? 0 : null))
        const placement = placeOnCores(workers, cores)
        expect(placement.size).toBe(n)
        const busyPerCore = new Array<number>(cores).fill(0)
        for (const worker of workers) if (worker.busy) busyPerCore[placement.get(worker.id)!]!++
        expect(Math.max(...busyPerCore) - Math.min(...busyPerCore)).toBeLessThanOrEqual(1)
      }
    }
  })

  it('places nothing without cores', () => {
    expect(placeOnCores([w(1, true, 0)], 0).size).toBe(0)
  })
})
