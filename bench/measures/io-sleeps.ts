// The I/O lane at scale: 100,000 sleep jobs of 1 s, all in flight at once (ioConcurrency
// 100000), should end about 1 s after they are submitted. Target: ≤ 1.1 s wall. The baseline
// is the floor Node itself sets: 100,000 promisified 1 s timers in one worker thread.
import { row } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples } from '../lib/types.ts'

const JOBS = 100_000
/** Quick runs keep 1 s too: shorter sleeps would judge fixed costs against a target made for 1 s. */
const SLEEP_MS = 1000
const TARGET_MS = 1100

const TIMERS_WORKER = `
const { parentPort } = require('node:worker_threads')
const { setTimeout: sleep } = require('node:timers/promises')
parentPort.once('message', async ({ n, ms }) => {
  const t0 = performance.now()
  const all = new Array(n)
  for (let i = 0; i < n; i++) all[i] = sleep(ms)
  await Promise.all(all)
  parentPort.postMessage(performance.now() - t0)
})
`

export const measure: Measure = {
  name: 'io-sleeps',
  title: '100k concurrent 1 s sleeps on the I/O lane',
  how: () =>
    `One engine.submit of a template { kind: 'sleep', params: { ms: ${SLEEP_MS} } } × ${JOBS.toLocaleString('en')} with ` +
    `ioConcurrency ${JOBS}, timed from the submit call to whenSettled, after one 1 ms sleep has started the I/O worker; ` +
    `every job checked to have succeeded. Baseline: ${JOBS.toLocaleString('en')} timers/promises setTimeout(${SLEEP_MS}) ` +
    `awaited with Promise.all inside one worker thread (the floor Node sets, timed inside the worker; every third round).`,
  variants: ['corelane', 'node-timers'],
  context: ['node-timers'],
  async run(variant: string): Promise<Metrics> {
    if (variant === 'node-timers') {
      const { Worker } = await import('node:worker_threads')
      const worker = new Worker(TIMERS_WORKER, { eval: true })
      try {
        const wallMs = await new Promise<number>((resolve, reject) => {
          worker.once('message', resolve)
          worker.once('error', reject)
          worker.postMessage({ n: JOBS, ms: SLEEP_MS })
        })
        return { wallMs }
      } finally {
        await worker.terminate()
      }
    }
    const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
    return withEngine({ ioConcurrency: JOBS }, async (engine) => {
      await engine.run({ kind: 'sleep', params: { ms: 1 } })
      const t0 = performance.now()
      await engine.submit({ template: { kind: 'sleep', params: { ms: SLEEP_MS } }, count: JOBS })
      const submittedMs = performance.now() - t0
      await engine.whenSettled()
      const wallMs = performance.now() - t0
      expectSucceeded(engine, JOBS + 1)
      return { wallMs, submittedMs }
    })
  },
  rows(samples: Samples): Row[] {
    return [
      row(samples, {
        measure: 'io-sleeps',
        label: `${JOBS / 1000}k × ${SLEEP_MS} ms sleeps, wall`,
        unit: 'ms',
        corelane: ['corelane', 'wallMs'],
        peer: ['node-timers', 'wallMs', 'bare Node timers'],
        target: { atMost: TARGET_MS },
      }),
    ]
  },
}
