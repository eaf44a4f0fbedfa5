// Speed-up and efficiency for a lab run's strategies, only where they mean something: a
// speed-up needs a sequential run of the same language to compare with (Node against Node,
// Python against Python), and an efficiency ("% of the cores it could use") only describes CPU
// work on cores: a pool of sleeps waiting 4.7× faster than one after another uses no core.
import type { StrategyResult } from '../../../shared/lab.ts'

const ONE_EVENT_LOOP = new Set(['async', 'python-asyncio'])

export function scoreStrategies(results: StrategyResult[], cores: number, cpuBound: boolean): void {
  const nodeBase = results.find((r) => r.strategy === 'sequential' && !r.skipped)
  const pythonBase = results.find((r) => r.strategy === 'python-sequential' && !r.skipped)
  for (const result of results) {
    if (result.skipped) {
      result.speedup = null
      result.efficiency = null
      continue
    }
    const base = result.strategy.startsWith('python') ? pythonBase : nodeBase
    result.speedup = base && result.wallMs > 0 ? base.wallMs / result.wallMs : null
    // One event loop runs on one core whatever its pool; a pool can use at most the machine's cores.
    const usable = ONE_EVENT_LOOP.has(result.strategy) ? 1 : Math.max(1, Math.min(result.pool, cores))
    result.efficiency = cpuBound && result.speedup !== null ? result.speedup / usable : null
  }
}
