// Sizes the lab's CPU task for this machine: a fixed n is 30 ms on one computer and a second
// on another, and a task of a few tens of milliseconds drowns the lesson in start-up and
// scheduling noise. A short sum-squares run on a warm worker gives the time per step, and n is
// scaled so one task takes about the scale's `cpuTaskMs`.
import { createEngine } from '../../engine/index.ts'
import type { LabEnv } from './run-strategy.ts'

/** About 25 ms on a current core: long enough to time, short enough not to matter. */
const PROBE_N = 1e7
const PROBES = 3
/** The kind's own bounds (src/shared/kinds.ts allows up to 1e11). */
const MIN_N = 1e6
const MAX_N = 1e11

/** The sum-squares n for which one task takes about `targetMs` on one worker thread of this machine. */
export async function calibrateSquares(env: LabEnv, targetMs: number): Promise<{ n: number; msPerMillion: number }> {
  const engine = createEngine({
    dataDir: env.dataDir,
    cpuSlots: 1,
    processHost: env.processHost,
    workerEntries: env.workerEntries,
    compileCacheDir: env.compileCacheDir,
  })
  try {
    // The fastest of a few runs: the first may still be compiling, and a busy neighbour only ever adds time.
    let best = Infinity
    for (let i = 0; i < PROBES; i++) {
      const t0 = performance.now()
      const job = await engine.run({ kind: 'sum-squares', params: { n: PROBE_N }, lane: 'cpu', executor: 'thread' })
      if (job.state !== 'succeeded') throw new Error(`calibrating the CPU task failed: ${job.error?.message ?? job.state}`)
      best = Math.min(best, performance.now() - t0)
    }
    const n = Math.round(Math.min(MAX_N, Math.max(MIN_N, (PROBE_N * targetMs) / Math.max(0.1, best))) / 1e6) * 1e6
    return { n, msPerMillion: best / (PROBE_N / 1e6) }
  } finally {
    await engine.close()
  }
}
