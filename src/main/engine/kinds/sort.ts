// Sorts n seeded pseudo-random numbers. The native typed-array sort cannot be interrupted,
// so large inputs are sorted in cache-sized runs (native) and merged pass by pass (here),
// which keeps cancel responsive and lets progress be real. Costs 16 bytes per number.
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { pacer } from './pace.ts'
import type { Pacer } from './pace.ts'

// About 10 to 20 ms of native sorting per run.
const RUN = 1 << 18
// Elements handled between clock checks in the fill, merge and verify loops.
const STEP = 1 << 16

/** mulberry32: tiny, fast, and the same sequence for the same seed everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// Progress is split across phases by rough share of the time each takes.
interface Phase {
  from: number
  to: number
  note: string
}
const at = (p: Phase, done: number, total: number) => p.from + (p.to - p.from) * (total > 0 ? done / total : 1)

/** Merges sorted runs of width `width` from `src` into `dst`, yielding between steps. */
async function mergePass(src: Float64Array, dst: Float64Array, width: number, pace: Pacer, phase: Phase): Promise<void> {
  const n = src.length
  let out = 0
  for (let lo = 0; lo < n; lo += 2 * width) {
    const mid = Math.min(lo + width, n)
    const hi = Math.min(lo + 2 * width, n)
    let i = lo
    let j = mid
    while (out < hi) {
      const stop = Math.min(out + STEP, hi)
      while (out < stop) {
        if (j >= hi || (i < mid && src[i] <= src[j])) dst[out++] = src[i++]
        else dst[out++] = src[j++]
      }
      if (pace.due()) await pace.breathe(at(phase, out, n), phase.note)
    }
  }
}

export const sort: KindRunner<KindParams<'sort'>> = async ({ n, seed }, ctx) => {
  throwIfAborted(ctx.signal)
  const pace = pacer(ctx)
  const random = mulberry32(seed)
  let data = new Float64Array(n)

  const fill: Phase = { from: 0, to: 0.1, note: 'generating' }
  for (let i = 0; i < n;) {
    const stop = Math.min(i + STEP, n)
    for (; i < stop; i++) data[i] = random()
    if (pace.due()) await pace.breathe(at(fill, i, n), fill.note)
  }

  const runs: Phase = { from: 0.1, to: n > RUN ? 0.5 : 0.95, note: 'sorting runs' }
  for (let lo = 0; lo < n; lo += RUN) {
    data.subarray(lo, Math.min(lo + RUN, n)).sort()
    if (pace.due()) await pace.breathe(at(runs, Math.min(lo + RUN, n), n), runs.note)
  }

  if (n > RUN) {
    let spare = new Float64Array(n)
    const passes = Math.ceil(Math.log2(n / RUN))
    let pass = 0
    for (let width = RUN; width < n; width *= 2, pass++) {
      const phase = {
        from: 0.5 + (0.45 * pass) / passes,
        to: 0.5 + (0.45 * (pass + 1)) / passes,
        note: `merging, pass ${pass + 1} of ${passes}`,
      }
      await mergePass(data, spare, width, pace, phase)
      ;[data, spare] = [spare, data]
    }
  }

  // The check is cheap next to the sort and turns a silent bug into a failed job.
  const verify: Phase = { from: 0.95, to: 1, note: 'verifying' }
  for (let i = 1; i < n;) {
    const stop = Math.min(i + STEP, n)
    for (; i < stop; i++) if (data[i - 1] > data[i]) throw new Error(`not sorted at index ${i}`)
    if (pace.due()) await pace.breathe(at(verify, i, n), verify.note)
  }

  const mid = n >> 1
  const median = n % 2 === 1 ? data[mid] : (data[mid - 1] + data[mid]) / 2
  return { n, min: data[0], max: data[n - 1], median }
}
