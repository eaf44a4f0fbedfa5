// Counts the primes up to a limit with a segmented sieve of Eratosthenes: memory stays at one
// cache-sized segment plus the primes below sqrt(limit), whatever the limit.
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { pacer } from './pace.ts'

// Odd numbers only: byte k of a segment starting at odd `low` stands for low + 2k.
const SEGMENT = 1 << 18

/** Odd primes up to `max` by a plain sieve (max is at most 10^5 for the largest limit). */
function oddPrimesUpTo(max: number): Uint32Array {
  const composite = new Uint8Array(max + 1)
  const found: number[] = []
  for (let i = 3; i <= max; i += 2) {
    if (composite[i]) continue
    found.push(i)
    for (let m = i * i; m <= max; m += 2 * i) composite[m] = 1
  }
  return Uint32Array.from(found)
}

export const primes: KindRunner<KindParams<'primes'>> = async ({ limit }, ctx) => {
  throwIfAborted(ctx.signal)
  if (limit < 2) return { count: 0, limit }
  const base = oddPrimesUpTo(Math.floor(Math.sqrt(limit)))
  // For each base prime, the index of its next odd multiple in the current segment; a prime
  // joins once p*p reaches the segment, so no division is needed per segment.
  const next = new Float64Array(base.length)
  let active = 0
  const segment = new Uint8Array(SEGMENT)
  const pace = pacer(ctx)
  let count = 1 // the prime 2

  for (let low = 3; low <= limit; low += 2 * SEGMENT) {
    const high = Math.min(low + 2 * (SEGMENT - 1), limit)
    const size = ((high - low) >> 1) + 1
    segment.fill(0, 0, size)
    while (active < base.length && base[active] * base[active] <= high) {
      next[active] = (base[active] * base[active] - low) / 2
      active++
    }
    for (let k = 0; k < active; k++) {
      const p = base[k]
      let j = next[k]
      for (; j < size; j += p) segment[j] = 1
      next[k] = j - SEGMENT
    }
    for (let j = 0; j < size; j++) count += 1 - segment[j]
    if (pace.due()) await pace.breathe((high - 1) / limit, `${count} primes so far`)
  }
  return { count, limit }
}
