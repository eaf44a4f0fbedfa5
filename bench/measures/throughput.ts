// Throughput of no-op jobs: what scheduling, messaging and bookkeeping cost per job, when a
// whole batch is submitted at once and when the client keeps only 64 in flight. The issue's
// targets: threads ≥ 2× Piscina, processes ≥ 1× Piscina, 64 in flight ≥ 1.5× Piscina.
import { availableParallelism } from 'node:os'
import { row } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'

const WARMUP = 1000
const IN_FLIGHT = 64
const jobs = (quick: boolean) => (quick ? 10_000 : 100_000)

async function corelane(variant: string, n: number): Promise<number> {
  const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
  const { inFlight } = await import('../lib/drive.ts')
  const executor = variant.startsWith('corelane-process') ? 'process' : 'thread'
  return withEngine({}, async (engine) => {
    // Warm-up: starts every CPU worker and lets the engine learn what a no-op costs.
    await engine.submit({ template: { kind: 'noop', params: {}, executor }, count: WARMUP })
    await engine.whenSettled()
    let t0: number
    if (variant.endsWith('-64')) {
      const spec = { kind: 'noop', params: {}, executor } as const
      t0 = performance.now()
      await inFlight(n, IN_FLIGHT, () => engine.run(spec))
    } else if (variant === 'corelane-thread-list') {
      const list = Array.from({ length: n }, () => ({ kind: 'noop', params: {} }))
      t0 = performance.now()
      await engine.submit({ jobs: list })
      await engine.whenSettled()
    } else {
      t0 = performance.now()
      await engine.submit({ template: { kind: 'noop', params: {}, executor }, count: n })
      await engine.whenSettled()
    }
    const ms = performance.now() - t0
    expectSucceeded(engine, WARMUP + n)
    return ms
  })
}

async function peer(variant: string, n: number): Promise<number> {
  const { createPeer } = await import('../lib/pools.ts')
  const { allAtOnce, inFlight } = await import('../lib/drive.ts')
  const name = variant.replace(/-64$/, '') as 'piscina' | 'tinypool' | 'workerpool'
  const pool = await createPeer(name)
  try {
    await allAtOnce(WARMUP, pool.run)
    const t0 = performance.now()
    if (variant.endsWith('-64')) await inFlight(n, IN_FLIGHT, pool.run)
    else await allAtOnce(n, pool.run)
    return performance.now() - t0
  } finally {
    await pool.close()
  }
}

export const measure: Measure = {
  name: 'throughput',
  title: 'Throughput of no-op jobs',
  how: (quick) =>
    `${jobs(quick).toLocaleString('en')} no-op jobs per run, timed from the first submit to the last result, after a ` +
    `${WARMUP}-job warm-up that starts every worker. Corelane: one engine.submit of a template × count ` +
    `(plus a variant with an explicit list of ${jobs(quick).toLocaleString('en')} job specs), then whenSettled; every job is ` +
    `checked to have succeeded. Peers: pool.run / pool.exec called for every job, then Promise.all. Every pool has ` +
    `${availableParallelism()} workers (one per core, like Corelane's CPU lane). "64 in flight": the client keeps at most ` +
    `${IN_FLIGHT} unfinished jobs and starts the next (engine.run / pool.run) as each one finishes. Tinypool, ` +
    `workerpool, the explicit list and processes × ${IN_FLIGHT} feed reported rows only and run in every third round.` +
    (quick ? ' Quick mode: 10,000 jobs per run instead of 100,000.' : ''),
  variants: [
    'corelane-thread',
    'corelane-process',
    'corelane-thread-list',
    'piscina',
    'tinypool',
    'workerpool',
    'corelane-thread-64',
    'corelane-process-64',
    'piscina-64',
  ],
  context: ['corelane-thread-list', 'tinypool', 'workerpool', 'corelane-process-64'],
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const n = jobs(ctx.quick)
    const ms = variant.startsWith('corelane') ? await corelane(variant, n) : await peer(variant, n)
    return { jobsPerSec: (n / ms) * 1000, ms }
  },
  rows(samples: Samples): Row[] {
    const m = 'throughput'
    const unit = 'jobs/s'
    const jps = 'jobsPerSec'
    return [
      row(samples, {
        measure: m,
        label: 'all at once, threads',
        unit,
        corelane: ['corelane-thread', jps],
        peer: ['piscina', jps, 'Piscina'],
        target: { ratioAtLeast: 2 },
      }),
      row(samples, {
        measure: m,
        label: 'all at once, processes',
        unit,
        corelane: ['corelane-process', jps],
        peer: ['piscina', jps, 'Piscina'],
        target: { ratioAtLeast: 1 },
      }),
      row(samples, {
        measure: m,
        label: 'all at once, threads',
        unit,
        corelane: ['corelane-thread', jps],
        peer: ['tinypool', jps, 'Tinypool'],
        target: { reported: 'reported' },
      }),
      row(samples, {
        measure: m,
        label: 'all at once, threads',
        unit,
        corelane: ['corelane-thread', jps],
        peer: ['workerpool', jps, 'workerpool'],
        target: { reported: 'reported' },
      }),
      row(samples, {
        measure: m,
        label: 'all at once, threads, explicit job list',
        unit,
        corelane: ['corelane-thread-list', jps],
        peer: ['piscina', jps, 'Piscina'],
        target: { reported: 'reported' },
      }),
      row(samples, {
        measure: m,
        label: `${IN_FLIGHT} in flight, threads`,
        unit,
        corelane: ['corelane-thread-64', jps],
        peer: ['piscina-64', jps, 'Piscina'],
        target: { ratioAtLeast: 1.5 },
      }),
      row(samples, {
        measure: m,
        label: `${IN_FLIGHT} in flight, processes`,
        unit,
        corelane: ['corelane-process-64', jps],
        peer: ['piscina-64', jps, 'Piscina'],
        target: { reported: 'reported' },
      }),
    ]
  },
}
