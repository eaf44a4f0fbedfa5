// Sequential round-trip latency: one no-op job at a time, awaiting each result before the
// next submit, so nothing can be batched and every cost on the path shows. Target: the
// thread executor's p50 and p99 at or below Piscina's. Measured twice: with the whole process
// on one CPU (stable: the libraries' own cost) and unpinned (what a user gets; on this VM each
// process lands at random in a fast or a slow mode, depending on whether the other thread's
// vCPU has to be woken up, for every library alike).
import { baseVariant, pinningUnavailable } from '../lib/pin.ts'
import { PEER_LABEL, type PeerName } from '../lib/pools.ts'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, Target, VariantContext } from '../lib/types.ts'

const WARMUP = 200
const trips = (quick: boolean) => (quick ? 500 : 2000)
/**
 * The "warm" figures are taken after this many round trips in all. The first window (after
 * WARMUP) still runs each library's code below V8's top tier: a function is compiled by
 * TurboFan after about 3,000 calls, Maglev's code before that inlines little, so a library
 * made of more, smaller functions pays for each call there. By this count every path of a
 * round trip is at its top tier, and the figures are what a long-running process gets.
 */
const WARM_AFTER = 20_000
const METRIC_LABEL: Record<string, string> = {
  warmP50: `p50 after ${WARM_AFTER.toLocaleString('en')} trips`,
  warmP99: `p99 after ${WARM_AFTER.toLocaleString('en')} trips`,
}
/** Without taskset (not Linux), only the unpinned variants run and carry the targets. */
const canPin = pinningUnavailable() === null

async function measureTrips(n: number, quick: boolean, start: () => Promise<unknown>): Promise<Metrics> {
  const { roundTrips } = await import('../lib/drive.ts')
  const { percentile } = await import('../lib/stats.ts')
  await roundTrips(WARMUP, start)
  const us = await roundTrips(n, start)
  const metrics: Metrics = { p50: percentile(us, 50), p99: percentile(us, 99), mean: us.reduce((a, b) => a + b, 0) / us.length }
  if (quick) return metrics
  await roundTrips(WARM_AFTER - WARMUP - 2 * n, start)
  const warm = await roundTrips(n, start)
  return { ...metrics, warmP50: percentile(warm, 50), warmP99: percentile(warm, 99) }
}

export const measure: Measure = {
  name: 'latency',
  title: 'Sequential round-trip latency',
  how: (quick) =>
    `${trips(quick).toLocaleString('en')} round trips after ${WARMUP} warm-up ones: await engine.run({ kind: 'noop' }) ` +
    `(or pool.run / pool.exec) one at a time, each timed with performance.now(); p50 and p99 by nearest rank per run, ` +
    `then the median of those over rounds. Pools sized one worker per core, as in throughput. "on one CPU": the ` +
    `variant's process, all its threads and children pinned to CPU 0 with taskset (the targets are judged there: on ` +
    `two idle vCPUs every library's per-process p50 is bimodal, about 20 or about 90 µs, depending on vCPU wake-ups, so ` +
    `a median of 9 measures luck). "unpinned": as a user runs it. Process executor (pinned), Tinypool and workerpool ` +
    `are reported only and run in every third round. "after ${WARM_AFTER.toLocaleString('en')} trips": the same ` +
    `process goes on to that many round trips in all, then times ${trips(quick).toLocaleString('en')} more (not in ` +
    `--quick): by then every library's round trip runs at V8's top tier, where the first window is still partly below it.` +
    (canPin ? '' : ` Pinned variants skipped here (${pinningUnavailable()}): the unpinned ones carry the targets.`),
  variants: [
    ...(canPin ? ['corelane-thread@cpu0', 'piscina@cpu0'] : []),
    'corelane-thread',
    'piscina',
    ...(canPin ? ['corelane-process@cpu0'] : []),
    'corelane-process',
    'tinypool',
    'workerpool',
  ],
  context: ['corelane-process@cpu0', 'corelane-process', 'tinypool', 'workerpool'],
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const n = trips(ctx.quick)
    const name = baseVariant(variant)
    if (name.startsWith('corelane')) {
      const { withEngine } = await import('../lib/corelane.ts')
      const executor = name === 'corelane-process' ? 'process' : 'thread'
      const spec = { kind: 'noop', params: {}, executor } as const
      return withEngine({}, async (engine) =>
        measureTrips(n, ctx.quick, async () => {
          const view = await engine.run(spec)
          if (view.state !== 'succeeded') throw new Error(`job ${view.id} ended ${view.state}`)
        }),
      )
    }
    const { createPeer } = await import('../lib/pools.ts')
    const pool = await createPeer(name as PeerName)
    try {
      return await measureTrips(n, ctx.quick, pool.run)
    } finally {
      await pool.close()
    }
  },
  rows(samples: Samples): Row[] {
    const r = rowsOf(samples, 'latency', 'µs')
    const warm = Object.values(samples).some((runs) => runs.some((m) => m.warmP50 !== undefined))
    const judged: Target = { ratioAtMost: 1 }
    /** Corelane's `metric` on `executor` against the same of `peer`, both pinned to CPU 0 or both not. */
    const vs = (metric: string, executor: 'thread' | 'process', pinned: boolean, target: Target, peer: PeerName = 'piscina') => {
      const at = pinned ? '@cpu0' : ''
      return r({
        label: `${METRIC_LABEL[metric] ?? metric}, ${executor === 'thread' ? 'threads' : 'processes'}, ${pinned ? 'on one CPU' : 'unpinned'}`,
        corelane: [`corelane-${executor}${at}`, metric],
        peer: [`${peer}${at}`, metric, PEER_LABEL[peer]],
        target,
      })
    }
    // The targets are judged on one CPU; without pinning, on the unpinned variants.
    return [
      ...(canPin ? [vs('p50', 'thread', true, judged), vs('p99', 'thread', true, judged)] : []),
      vs('p50', 'thread', false, canPin ? REPORTED : judged),
      vs('p99', 'thread', false, canPin ? REPORTED : judged),
      ...(canPin ? [vs('p50', 'process', true, REPORTED)] : []),
      vs('p50', 'process', false, REPORTED),
      vs('p50', 'thread', false, REPORTED, 'tinypool'),
      vs('p50', 'thread', false, REPORTED, 'workerpool'),
      // Reported beside the judged first window, not in its place (see WARM_AFTER); not in --quick.
      ...(!warm ? [] : canPin ? [vs('warmP50', 'thread', true, REPORTED), vs('warmP99', 'thread', true, REPORTED)] : []),
      ...(warm ? [vs('warmP50', 'thread', false, REPORTED)] : []),
    ]
  },
}
