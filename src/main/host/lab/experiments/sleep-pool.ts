// Eight one-second sleeps on a pool of four: waiting uses no CPU, so a pool waits in parallel
// even on fewer cores, and the async lane waits for all eight at once.
import type { LabExperiment } from '../experiment.ts'
import { ran, repeat, seconds, times, waves, within } from '../experiment.ts'

export const sleepPool: LabExperiment = {
  info: {
    id: 'sleep-pool',
    title: '8 sleeps on a pool of 4',
    question: 'Eight tasks each wait one second. How long on a pool of four workers?',
    expectation: 'about 2 s, not 8',
    strategies: ['sequential', 'threads', 'processes', 'async'],
    python: true,
  },
  cpuBound: false,
  pythonStrategies: ['python-sequential', 'python-threads', 'python-processes', 'python-asyncio'],
  jobs: ({ scale }) => repeat({ name: 'sleep', kind: 'sleep', params: { ms: scale.sleepMs } }, 8),
  pythonArgs: ({ scale }) => ['8', String(scale.sleepMs / 1000)],
  checks(find, { scale, pool }) {
    const threads = find('threads')
    const processes = find('processes')
    const async = find('async')
    return [
      within(
        `8 sleeps on ${pool} threads: about ${waves(8, pool)} × ${scale.sleepMs} ms`,
        threads,
        (threads?.startupMs ?? 0) + waves(8, pool) * scale.sleepMs,
        scale.waitTolerance,
      ),
      within(
        `on ${pool} processes: the same, plus process start-up`,
        processes,
        (processes?.startupMs ?? 0) + waves(8, pool) * scale.sleepMs,
        scale.waitTolerance,
      ),
      within(
        `all 8 at once on the async lane: about ${scale.sleepMs} ms`,
        async,
        scale.sleepMs + (async?.startupMs ?? 0),
        scale.waitTolerance,
      ),
      within(`one after another: about 8 × ${scale.sleepMs} ms`, find('sequential'), 8 * scale.sleepMs, scale.waitTolerance),
      within(
        `Python ThreadPoolExecutor(${pool}): about ${waves(8, pool)} × ${scale.sleepMs} ms`,
        find('python-threads'),
        waves(8, pool) * scale.sleepMs,
        scale.waitTolerance,
      ),
    ]
  },
  explain(result, { scale }) {
    const seq = ran(result, 'sequential')
    const threads = ran(result, 'threads')
    const async = ran(result, 'async')
    if (!seq || !threads || !async) return ''
    const waiting = (threads.speedup ?? 0) >= Math.min(result.pool, 8) * 0.7
    return (
      `On a pool of ${result.pool}, the 8 waits of ${seconds(scale.sleepMs)} took ${seconds(threads.wallMs)} instead of ${seconds(seq.wallMs)} (${times(threads.speedup)} faster)` +
      (waiting
        ? `: waiting uses no CPU, so ${result.pool} workers wait at once even on ${result.cores} cores, and the async lane waited for all 8 together in ${seconds(async.wallMs)}.`
        : `, less than the ${result.pool}× a pool of ${result.pool} allows; start-up took ${seconds(threads.startupMs)}.`)
    )
  },
}
