// The list of measures, in the order they run and print. Each module is loaded on demand, so
// the orchestrator never imports the engine or a peer itself, and a child loads only its own.
import type { Measure } from '../lib/types.ts'

export const MEASURE_NAMES = [
  'throughput',
  'latency',
  'cpu-speedup',
  'io-sleeps',
  'submit-lag',
  'memory',
  'monitor-cost',
  'cold-start',
  'python-seeds',
  'cluster',
  'shell-jobs',
  'sha256',
  'cli-start',
  'batch-memory',
] as const

export async function loadMeasure(name: string): Promise<Measure> {
  if (!(MEASURE_NAMES as readonly string[]).includes(name)) throw new Error(`unknown measure "${name}"`)
  const module = (await import(`./${name}.ts`)) as { measure: Measure }
  return module.measure
}
