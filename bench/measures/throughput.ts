// Throughput of no-op jobs: what scheduling, messaging and bookkeeping cost per job, when a
// whole batch is submitted at once and when the client keeps only 64 in flight. The issue's
// targets: threads ≥ 2× Piscina, processes ≥ 1× Piscina, 64 in flight ≥ 1.5× Piscina.
import { availableParallelism } from 'node:os'
import { PEER_LABEL, type PeerName } from '../lib/pools.ts'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, Target, VariantContext } from '../lib/types.ts'

const WARMUP = 1000
const IN_FLIGHT = 64
const jobs = (quick: boolean) => (quick ? 10_000 : 100_000)

async function corelane(variant: string, n: number): Promise<number> {
  const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
  const { inFlight } = await import('../lib/drive.ts')
  const executor = variant.startsWith('corelane-process') ? 'process' : 'thread'
  const spec = { kind: 'noop', params: {}, executor } as const
  return withEngine({}, async (engine) => {
    // Warm-up: starts every CPU worker and lets the engine learn what a no-op costs.
    await engine.submit({ template: spec, count: WARMUP })
    await engine.whenSettled()
    let t0: number
    if (variant.endsWith('-64')) {
      t0 = performance.now()
      await inFlight(n, IN_FLIGHT, () => engine.run(spec))
    } else if (variant === 'corelane-thread-list') {
      const list = Array.from({ length: n }, () => ({ kind: 'noop', params: {} }))
      t0 = performance.now()
      await engine.submit({ jobs: list })
      await engine.whenSettled()
    } else {
      t0 = performance.now()
      await engine.submit({ template: spec, count: n })
      await engine.whenSettled()
    }
    const ms = performance.now() - t0
    expectSucceeded(engine, WARMUP + n)
    return ms
  })
}

/** The pool a peer variant runs: `piscina-64` is Piscina driven with 64 in flight. */
const peerOf = (variant: string) => variant.replace(/-64$/, '') as PeerName

async function peer(variant: string, n: number): Promise<number> {
  const { createPeer } = await import('../lib/pools.ts')
  const { allAtOnce, inFlight } = await import('../lib/drive.ts')
  const pool = await createPeer(peerOf(variant))
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
    const r = rowsOf(samples, 'throughput', 'jobs/s')
    const jps = 'jobsPerSec'
    const vs = (label: string, corelane: string, peer: string, target: Target) =>
      r({ label, corelane: [corelane, jps], peer: [peer, jps, PEER_LABEL[peerOf(peer)]], target })
    return [
      vs('all at once, threads', 'corelane-thread', 'piscina', { ratioAtLeast: 2 }),
      vs('all at once, processes', 'corelane-process', 'piscina', { ratioAtLeast: 1 }),
      vs('all at once, threads', 'corelane-thread', 'tinypool', REPORTED),
      vs('all at once, threads', 'corelane-thread', 'workerpool', REPORTED),
      vs('all at once, threads, explicit job list', 'corelane-thread-list', 'piscina', REPORTED),
      vs(`${IN_FLIGHT} in flight, threads`, 'corelane-thread-64', 'piscina-64', { ratioAtLeast: 1.5 }),
      vs(`${IN_FLIGHT} in flight, processes`, 'corelane-process-64', 'piscina-64', REPORTED),
    ]
  },
}
