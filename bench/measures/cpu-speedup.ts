// CPU speed-up: 8 sum-squares jobs run one after another, then all at once, on the same warm
// engine. With one CPU slot per core they should finish about `cores` times faster at once;
// the target is a speed-up of at least 0.95 × cores, for threads and for processes.
import { availableParallelism } from 'node:os'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'

const JOBS = 8
const cores = availableParallelism()
/** How long one job should take: the issue asks for about 0.3–0.5 s; quick runs use less. */
const targetJobMs = (quick: boolean) => (quick ? 50 : 300)
const CALIBRATION_N = 1e8

export const measure: Measure = {
  name: 'cpu-speedup',
  title: 'CPU jobs in parallel vs one after another',
  how: (quick) =>
    `${JOBS} sum-squares jobs, n calibrated once per bench run so that one job takes about ${targetJobMs(quick)} ms ` +
    `(the job's own run time on a warm thread worker). On one engine (cpuSlots = ${cores}), after starting every ` +
    `worker with ${cores} tiny jobs: the ${JOBS} jobs awaited one at a time (sequential wall), then submitted at once ` +
    `and awaited together (parallel wall). Speed-up = sequential / parallel; target ≥ 0.95 × ${cores} cores = ${(0.95 * cores).toFixed(2)}.`,
  variants: ['threads', 'processes'],
  async prepare(quick, runChild) {
    const { msPerJob } = await runChild('calibrate')
    const n = Math.max(1e6, Math.round((CALIBRATION_N * targetJobMs(quick)) / msPerJob! / 1e6) * 1e6)
    return { n, calibrationMs: Math.round(msPerJob! * 10) / 10, calibrationN: CALIBRATION_N }
  },
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
    if (variant === 'calibrate') {
      return withEngine({ cpuSlots: 1 }, async (engine) => {
        let ms = Infinity
        for (let i = 0; i < 3; i++) {
          const view = await engine.run({ kind: 'sum-squares', params: { n: CALIBRATION_N } })
          ms = Math.min(ms, view.endedAt! - view.startedAt!)
        }
        return { msPerJob: ms }
      })
    }
    const n = ctx.prepared.n as number
    const executor = variant === 'processes' ? 'process' : 'thread'
    const spec = { kind: 'sum-squares', params: { n }, executor } as const
    return withEngine({}, async (engine) => {
      await engine.submit({ template: { kind: 'sum-squares', params: { n: 1000 }, executor }, count: cores })
      await engine.whenSettled()
      let t0 = performance.now()
      const runMs: number[] = []
      for (let i = 0; i < JOBS; i++) {
        const view = await engine.run(spec)
        runMs.push(view.endedAt! - view.startedAt!)
      }
      const sequentialMs = performance.now() - t0
      t0 = performance.now()
      const { jobIds } = await engine.submit({ template: spec, count: JOBS })
      await engine.whenSettled()
      const parallelMs = performance.now() - t0
      expectSucceeded(engine, cores + 2 * JOBS)
      const parallelRun = jobIds.map((id) => {
        const view = engine.getJob(id)!
        return view.endedAt! - view.startedAt!
      })
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
      return {
        speedup: sequentialMs / parallelMs,
        sequentialMs,
        parallelMs,
        jobMsAlone: mean(runMs),
        jobMsInParallel: mean(parallelRun),
      }
    })
  },
  rows(samples: Samples): Row[] {
    const r = rowsOf(samples, 'cpu-speedup', 'ms')
    const target = { atLeast: Math.round(0.95 * cores * 100) / 100 }
    return [
      ...(['threads', 'processes'] as const).map((v) =>
        r({ label: `${JOBS} jobs, ${v}`, unit: '×', corelane: [v, 'speedup'], target }),
      ),
      r({
        label: 'one job alone → beside others (threads)',
        corelane: ['threads', 'jobMsInParallel'],
        peer: ['threads', 'jobMsAlone', 'same job alone'],
        target: REPORTED,
        note: 'a ratio above 1 means each job ran slower when all cores were busy (shared caches, turbo, VM steal)',
      }),
    ]
  },
}
