// Renders a Mandelbrot tile as iteration counts: CPU work whose cost varies wildly from pixel
// to pixel, which is what makes it a good test of how work spreads over cores.
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { pacer } from './pace.ts'

// Pixels inside the set cost maxIter each, so a single row can take a long time: the clock is
// read after this many iterations rather than per row or per pixel.
const CHECK_EVERY_ITERATIONS = 1 << 20

/** Iterations before z = z^2 + c leaves the radius-2 disc, or maxIter if it never does. */
function escapeTime(cr: number, ci: number, maxIter: number): number {
  let zr = 0
  let zi = 0
  let i = 0
  for (; i < maxIter; i++) {
    const zr2 = zr * zr
    const zi2 = zi * zi
    if (zr2 + zi2 > 4) break
    zi = 2 * zr * zi + ci
    zr = zr2 - zi2 + cr
  }
  return i
}

export const mandelbrot: KindRunner<KindParams<'mandelbrot'>> = async ({ width, height, x, y, scale, maxIter }, ctx) => {
  throwIfAborted(ctx.signal)
  // Square pixels: `scale` is the tile's width in the complex plane, centred on (x, y),
  // sampled at pixel centres, row 0 at the top (largest imaginary part).
  const pixel = scale / width
  const counts = new Uint32Array(width * height)
  const pace = pacer(ctx)
  let total = 0
  let sinceCheck = 0
  for (let row = 0; row < height; row++) {
    const ci = y - (row + 0.5 - height / 2) * pixel
    const offset = row * width
    for (let col = 0; col < width; col++) {
      const n = escapeTime(x + (col + 0.5 - width / 2) * pixel, ci, maxIter)
      counts[offset + col] = n
      total += n
      sinceCheck += n + 1
      if (sinceCheck >= CHECK_EVERY_ITERATIONS) {
        sinceCheck = 0
        if (pace.due()) await pace.breathe((offset + col + 1) / counts.length, `row ${row + 1} of ${height}`)
      }
    }
  }
  return { width, height, maxIter, iterations: Array.from(counts), mean: total / counts.length }
}
