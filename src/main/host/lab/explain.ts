// One sentence saying what a lab run shows, built from its own numbers: if the run disagrees
// with the textbook, the sentence says what actually happened rather than what should have.
import type { LabResult, StrategyId, StrategyResult } from '../../../shared/lab.ts'
import type { Scale } from './experiments.ts'

const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
const x = (ratio: number) => `${ratio.toFixed(1)}×`

function get(result: LabResult, strategy: StrategyId): StrategyResult | undefined {
  return result.strategies.find((r) => r.strategy === strategy && !r.skipped)
}

export function explain(result: LabResult, scale: Scale): string {
  const seq = get(result, 'sequential')
  const threads = get(result, 'threads')
  const processes = get(result, 'processes')
  const async = get(result, 'async')
  switch (result.experiment) {
    case 'sleep-pool': {
      if (!seq || !threads || !async) break
      const waiting = threads.speedup >= Math.min(result.pool, 8) * 0.7
      return (
        `On a pool of ${result.pool}, the 8 waits of ${s(scale.sleepMs)} took ${s(threads.wallMs)} instead of ${s(seq.wallMs)} (${x(threads.speedup)} faster)` +
        (waiting
          ? `: waiting uses no CPU, so ${result.pool} workers wait at once even on ${result.cores} cores, and the async lane waited for all 8 together in ${s(async.wallMs)}.`
          : `, less than the ${result.pool}× a pool of ${result.pool} allows; start-up took ${s(threads.startupMs)}.`)
      )
    }
    case 'gather-fetch': {
      if (!seq || !async) break
      return `Gathered, the 4 requests took ${s(async.wallMs)} against ${s(seq.wallMs)} one after another (${x(async.speedup)}): while one request waits for the server, the same event loop sends the others, with no extra worker.`
    }
    case 'cpu-parallel': {
      if (!seq || !processes || !threads) break
      const slots = Math.min(result.pool, result.cores)
      const best = processes.wallMs < threads.wallMs ? processes : threads
      return (
        `3 CPU tasks took ${s(seq.wallMs)} one after another and ${s(best.wallMs)} on ${slots} ${best === processes ? 'processes' : 'threads'} (${x(best.speedup)}, ${Math.round(best.efficiency * 100)}% of ${slots} cores)` +
        (slots < 3
          ? `: with ${slots} cores the third task has to wait for a free one, so the best possible is ${x(3 / Math.ceil(3 / slots))}.`
          : ': each task got a core of its own.') +
        ` Threads and processes both run JavaScript in parallel (there is no GIL); processes paid ${s(processes.startupMs)} to start against ${s(threads.startupMs)} for threads.`
      )
    }
    case 'cpu-sequential': {
      if (!seq || !async) break
      const py = get(result, 'python-threads')
      return (
        `On one event loop the 3 CPU tasks took ${s(async.wallMs)}, about the ${s(seq.wallMs)} of running them one after another (${x(async.speedup)}): concurrency without more cores only interleaves CPU work, it does not add CPU.` +
        (py
          ? ` Python's threads, held back by the GIL, took ${s(py.wallMs)} against ${s(get(result, 'python-sequential')?.wallMs ?? 0)} sequentially.`
          : '')
      )
    }
    case 'timers-10k': {
      if (!async) break
      return `${scale.timers.toLocaleString('en')} timers of 1 s finished in ${s(async.wallMs)} on one event loop: a waiting task is just a timer entry, so thousands cost little more than one.`
    }
    case 'startup-cost': {
      if (!threads || !processes) break
      const ratio = processes.startupMs / Math.max(0.001, threads.startupMs)
      const rtThreads = threads.extra?.roundTripMs ?? 0
      const rtProcesses = processes.extra?.roundTripMs ?? 0
      const bareThread = threads.extra?.bareSpawnMs ?? 0
      const bareProcess = processes.extra?.bareSpawnMs ?? 0
      const bareRatio = bareProcess / Math.max(0.001, bareThread)
      const verdict =
        bareRatio >= 2
          ? `a thread starts ${x(bareRatio)} faster than a process`
          : `on this Node (${process.versions.node}) a process starts about as fast as a thread (${x(bareRatio)}), so the textbook's "several times faster" did not hold here`
      return (
        `A bare thread sent its first message in ${s(bareThread)} and a bare process in ${s(bareProcess)}: ${verdict}; ` +
        `a Corelane worker, which also loads its runtime, answered its first job in ${s(threads.startupMs)} as a thread and ${s(processes.startupMs)} as a process (${x(ratio)}), ` +
        `and on a warm pool a job round trip cost ${(rtThreads * 1000).toFixed(0)} µs on a thread against ${(rtProcesses * 1000).toFixed(0)} µs on a process.`
      )
    }
  }
  return 'Some strategies did not run, so there is nothing to compare.'
}
