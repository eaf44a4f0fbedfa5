// The classic CPU-bound tutorial task, sum of i*i for i < n, done the slow honest way: one
// multiply-add per i, because the demo exists to burn CPU (the closed formula would not).
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { pacer } from './pace.ts'

// A chunk must keep every Number exact: below 2^17 offsets, the sum of d*d stays under 2^53.
const CHUNK = 1 << 17

/**
 * Sums d and d*d for d < len. With i = base + d, the chunk's sum of i*i is
 * len*base^2 + 2*base*sum(d) + sum(d^2), which is exact for any base once combined in BigInt,
 * whereas adding i*i directly in a Number stops being exact near i = 10^5.
 */
function chunkSums(len: number): [number, number] {
  let s1 = 0
  let s2 = 0
  for (let d = 0; d < len; d++) {
    s1 += d
    s2 += d * d
  }
  return [s1, s2]
}

export const sumSquares: KindRunner<KindParams<'sum-squares'>> = async ({ n }, ctx) => {
  throwIfAborted(ctx.signal)
  const pace = pacer(ctx)
  let sum = 0n
  for (let base = 0; base < n; base += CHUNK) {
    const len = Math.min(CHUNK, n - base)
    const [s1, s2] = chunkSums(len)
    const b = BigInt(base)
    sum += BigInt(len) * b * b + 2n * b * BigInt(s1) + BigInt(s2)
    if (pace.due()) await pace.breathe((base + len) / n)
  }
  return { sum: sum.toString(), n }
}
