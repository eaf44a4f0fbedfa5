// The CPU-bound kinds: exact answers against independent computations, real progress, and
// cancel within a second while they are deep in their loops.
import { describe, expect, it } from 'vitest'
import { noop } from '../../../src/main/engine/kinds/noop.ts'
import { sumSquares } from '../../../src/main/engine/kinds/sum-squares.ts'
import { primes } from '../../../src/main/engine/kinds/primes.ts'
import { mandelbrot } from '../../../src/main/engine/kinds/mandelbrot.ts'
import { mulberry32, sort } from '../../../src/main/engine/kinds/sort.ts'
import { cancelAfter, makeTestContext, withContext } from './test-context.ts'

const closedForm = (n: number) => {
  const b = BigInt(n)
  return b === 0n ? 0n : ((b - 1n) * b * (2n * b - 1n)) / 6n
}

function primeCountByTrialDivision(limit: number): number {
  let count = 0
  for (let k = 2; k <= limit; k++) {
    let prime = true
    for (let d = 2; d * d <= k; d++)
      if (k % d === 0) {
        prime = false
        break
      }
    if (prime) count++
  }
  return count
}

function primeCountBySimpleSieve(limit: number): number {
  const composite = new Uint8Array(limit + 1)
  let count = 0
  for (let i = 2; i <= limit; i++) {
    if (composite[i]) continue
    count++
    for (let m = i * i; m <= limit; m += i) composite[m] = 1
  }
  return count
}

describe('noop', () => {
  it('returns null', async () => {
    await withContext(async ({ ctx }) => expect(await noop({}, ctx)).toBeNull())
  })
})

describe('sum-squares', () => {
  it('sums i*i for i < n exactly', async () => {
    await withContext(async ({ ctx }) => {
      expect(await sumSquares({ n: 10 }, ctx)).toEqual({ sum: '285', n: 10 })
      expect(await sumSquares({ n: 0 }, ctx)).toEqual({ sum: '0', n: 0 })
      expect(await sumSquares({ n: 1 }, ctx)).toEqual({ sum: '0', n: 1 })
      // The tutorial's n, past the range where a Number sum would be exact; and chunk edges.
      expect((await sumSquares({ n: 1e7 }, ctx)) as { sum: string }).toMatchObject({ sum: '333333283333335000000' })
      for (const n of [131071, 131072, 131073, 3 * 131072 + 5]) {
        expect(((await sumSquares({ n }, ctx)) as { sum: string }).sum).toBe(closedForm(n).toString())
      }
    })
  })

  it('reports progress as it goes', async () => {
    await withContext(async ({ ctx, progress }) => {
      const result = (await sumSquares({ n: 3e8 }, ctx)) as { sum: string }
      expect(result.sum).toBe(closedForm(3e8).toString())
      expect(progress.length).toBeGreaterThan(2)
      const fractions = progress.map((p) => p.fraction)
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    })
  })

  it('stops within a second when cancelled', async () => {
    const t = await makeTestContext()
    try {
      const { reason, error, stopMs } = await cancelAfter(sumSquares({ n: 1e11 }, t.ctx), t.controller, 100)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
    } finally {
      await t.cleanup()
    }
  })
})

describe('primes', () => {
  it('counts primes up to the limit', async () => {
    await withContext(async ({ ctx }) => {
      expect(await primes({ limit: 100 }, ctx)).toEqual({ count: 25, limit: 100 })
      expect(await primes({ limit: 1e6 }, ctx)).toEqual({ count: 78498, limit: 1e6 })
      expect(await primes({ limit: 1e7 }, ctx)).toEqual({ count: 664579, limit: 1e7 })
    })
  })

  it('agrees with trial division for every small limit', async () => {
    await withContext(async ({ ctx }) => {
      for (let limit = 0; limit <= 300; limit++) {
        expect(((await primes({ limit }, ctx)) as { count: number }).count, `limit ${limit}`).toBe(
          primeCountByTrialDivision(limit),
        )
      }
    })
  })

  it('is right across segment boundaries', async () => {
    await withContext(async ({ ctx }) => {
      // A segment spans 2^19 numbers starting at 3; multiples of large primes cross it.
      for (const limit of [524289, 524290, 524291, 524292, 3 + 2 * 524288 + 1, 2_000_003]) {
        expect(((await primes({ limit }, ctx)) as { count: number }).count, `limit ${limit}`).toBe(primeCountBySimpleSieve(limit))
      }
    })
  })

  it('stops within a second when cancelled', async () => {
    const t = await makeTestContext()
    try {
      const { reason, error, stopMs } = await cancelAfter(primes({ limit: 1e10 }, t.ctx), t.controller, 100)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
      expect(t.progress.at(-1)?.note).toMatch(/primes so far/)
    } finally {
      await t.cleanup()
    }
  })
})

describe('mandelbrot', () => {
  it('counts iterations per pixel, row-major', async () => {
    await withContext(async ({ ctx }) => {
      // Pixel centres at c = -2, 0 and 2: the first two never escape, 2 escapes on the second step.
      const result = await mandelbrot({ width: 3, height: 1, x: 0, y: 0, scale: 6, maxIter: 50 }, ctx)
      expect(result).toEqual({ width: 3, height: 1, maxIter: 50, iterations: [50, 50, 2], mean: 34 })
    })
  })

  it('renders a tile that is symmetric about the real axis', async () => {
    await withContext(async ({ ctx }) => {
      const { iterations, mean } = (await mandelbrot({ width: 64, height: 48, x: -0.5, y: 0, scale: 3, maxIter: 200 }, ctx)) as {
        iterations: number[]
        mean: number
      }
      expect(iterations).toHaveLength(64 * 48)
      for (let row = 0; row < 24; row++) {
        expect(iterations.slice(row * 64, row * 64 + 64)).toEqual(iterations.slice((47 - row) * 64, (47 - row) * 64 + 64))
      }
      expect(iterations).toContain(200)
      expect(Math.min(...iterations)).toBeLessThan(5)
      expect(mean).toBeCloseTo(iterations.reduce((a, b) => a + b, 0) / iterations.length, 9)
    })
  })

  it('stops within a second when cancelled, even inside one slow row', async () => {
    const t = await makeTestContext()
    try {
      // Every pixel is inside the set, so each costs the full 100,000 iterations.
      const job = mandelbrot({ width: 4096, height: 4096, x: -0.1, y: 0, scale: 0.01, maxIter: 100000 }, t.ctx)
      const { reason, error, stopMs } = await cancelAfter(job, t.controller, 100)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
      expect(t.progress.length).toBeGreaterThan(0)
      expect(t.progress.at(-1)?.note).toBe('row 1 of 4096')
    } finally {
      await t.cleanup()
    }
  })
})

describe('sort', () => {
  const expected = (n: number, seed: number) => {
    const random = mulberry32(seed)
    const values = Float64Array.from({ length: n }, () => random()).sort()
    const median = n % 2 ? values[n >> 1] : (values[n / 2 - 1] + values[n / 2]) / 2
    return { n, min: values[0], max: values[n - 1], median }
  }

  it('sorts small inputs in one run', async () => {
    await withContext(async ({ ctx }) => {
      for (const n of [1, 2, 3, 1000, 1001]) expect(await sort({ n, seed: 7 }, ctx)).toEqual(expected(n, 7))
    })
  })

  it('sorts large inputs by runs and merge passes', async () => {
    // 3.8 runs of 2^18: an odd run count and a short last run; then a power-of-two count.
    for (const [n, seed] of [
      [1_000_000, 1],
      [1 << 20, 2],
    ]) {
      await withContext(async ({ ctx, progress }) => {
        expect(await sort({ n, seed }, ctx)).toEqual(expected(n, seed))
        const fractions = progress.map((p) => p.fraction)
        expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
      })
    }
  })

  it('is deterministic per seed', async () => {
    await withContext(async ({ ctx }) => {
      expect(await sort({ n: 5000, seed: 3 }, ctx)).toEqual(await sort({ n: 5000, seed: 3 }, ctx))
      expect(await sort({ n: 5000, seed: 3 }, ctx)).not.toEqual(await sort({ n: 5000, seed: 4 }, ctx))
    })
  })

  it('stops within a second when cancelled', async () => {
    const t = await makeTestContext()
    try {
      const { reason, error, stopMs } = await cancelAfter(sort({ n: 2e7, seed: 1 }, t.ctx), t.controller, 150)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
    } finally {
      await t.cleanup()
    }
  })
})
