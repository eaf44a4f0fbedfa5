// Submit cost: queueing 100,000 jobs must take ≤ 1 s and must not freeze the engine's event
// loop (lag p99 ≤ 10 ms meanwhile), since the same loop serves the UI bridge and the workers.
// Measured on a paused engine (submit cost alone) and on a running one (submit while the
// jobs are already being dispatched and finished).
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples } from '../lib/types.ts'

const JOBS = 100_000
/** monitorEventLoopDelay resolution, ms; its samples are whole intervals, so lag = sample − this. */
const RESOLUTION_MS = 1
/** Each variant as the table names it, in the order its rows print. */
const DESCRIBED = [
  ['list-paused', 'explicit list, paused'],
  ['list-running', 'explicit list, running'],
  ['template-paused', 'template × count, paused'],
] as const

export const measure: Measure = {
  name: 'submit-lag',
  title: 'Submitting 100k jobs, and the event loop meanwhile',
  how: () =>
    `engine.submit of ${JOBS.toLocaleString('en')} no-op jobs in a fresh process (no warm-up: the first submit is the ` +
    `one a CLI run pays), timed from the call to its promise resolving. "explicit list" passes ${JOBS.toLocaleString('en')} ` +
    `job objects (each validated); "template" passes one template × count. "paused": the engine was created paused, so ` +
    `only submit work runs; "running": not paused, so dispatch and results interleave with the submit. Event-loop lag: ` +
    `perf_hooks.monitorEventLoopDelay at ${RESOLUTION_MS} ms resolution, enabled only around the submit call; lag = ` +
    `recorded interval − ${RESOLUTION_MS} ms; p99 by the histogram.`,
  variants: ['list-paused', 'template-paused', 'list-running'],
  async run(variant: string): Promise<Metrics> {
    const { monitorEventLoopDelay } = await import('node:perf_hooks')
    const { withEngine } = await import('../lib/corelane.ts')
    const paused = variant.endsWith('-paused')
    return withEngine({ paused }, async (engine) => {
      const request =
        variant === 'template-paused'
          ? { template: { kind: 'noop', params: {} }, count: JOBS }
          : { jobs: Array.from({ length: JOBS }, () => ({ kind: 'noop', params: {} })) }
      const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
      histogram.enable()
      const t0 = performance.now()
      const { jobIds } = await engine.submit(request)
      const submitMs = performance.now() - t0
      histogram.disable()
      const counted = Object.values(engine.stats().counts).reduce((a, b) => a + b, 0)
      if (jobIds.length !== JOBS || counted !== JOBS) throw new Error(`submitted ${jobIds.length}, engine counts ${counted}`)
      const lag = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS)
      // The running variant is not waited for: closing the engine cancels what is left.
      return {
        submitMs,
        lagP99Ms: lag(histogram.percentile(99)),
        lagMaxMs: lag(histogram.max),
        loopSamples: histogram.count,
      }
    })
  },
  rows(samples: Samples): Row[] {
    const r = rowsOf(samples, 'submit-lag', 'ms')
    return [
      ...DESCRIBED.flatMap(([variant, what]) => [
        r({ label: `submit time, ${what}`, corelane: [variant, 'submitMs'], target: { atMost: 1000 } }),
        r({ label: 'loop lag p99 during it', corelane: [variant, 'lagP99Ms'], target: { atMost: 10 } }),
      ]),
      // The worst lag is reported for the explicit lists only.
      ...DESCRIBED.filter(([variant]) => variant.startsWith('list-')).map(([variant, what]) =>
        r({ label: `worst loop lag, ${what}`, corelane: [variant, 'lagMaxMs'], target: REPORTED }),
      ),
    ]
  },
}
