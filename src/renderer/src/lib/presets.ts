// Ready-made batches, including the concurrency lessons from docs/architecture.md. Each is a submit
// payload (template × count); picking one loads it into the job form so users see what it is.
import type { CommandInput } from '../../../shared/contract.ts'
import type { JobSpec } from '../../../shared/job.ts'

export interface Preset {
  id: string
  label: string
  /** The lesson in one sentence: what to expect and why. */
  lesson: string
  template: JobSpec
  count: number
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'sleep-8',
    label: '8 × sleep 1 s',
    lesson: 'Waiting needs no core: on the I/O lane all eight sleep together, about 1 s rather than 8.',
    template: { kind: 'sleep', params: { ms: 1000 } },
    count: 8,
  },
  {
    id: 'sum-squares-processes',
    label: '3 × sum-squares 1e7 (processes)',
    lesson: 'CPU-bound work in parallel processes takes about the time of one task, up to the core count.',
    template: { kind: 'sum-squares', params: { n: 1e7 }, executor: 'process' },
    count: 3,
  },
  {
    id: 'sum-squares-threads',
    label: '3 × sum-squares 1e7 (threads)',
    lesson: 'Worker threads spread the same CPU work over cores too, and start faster than processes.',
    template: { kind: 'sum-squares', params: { n: 1e7 }, executor: 'thread' },
    count: 3,
  },
  {
    id: 'primes-100',
    label: '100 × primes 2e6',
    lesson: 'More jobs than cores: the CPU lane keeps one job per slot, so every core stays busy until the queue drains.',
    template: { kind: 'primes', params: { limit: 2e6 } },
    count: 100,
  },
  {
    id: 'sleep-1000-io',
    label: '1,000 × sleep 200 ms on the I/O lane',
    lesson: 'A thousand waits share one event loop: the batch takes about 200 ms plus overhead, not 200 s.',
    template: { kind: 'sleep', params: { ms: 200 }, lane: 'io' },
    count: 1000,
  },
  {
    id: 'shell-sleep-4',
    label: 'shell: 4 × sleep 2',
    lesson: 'External programs run as child processes, one per CPU slot, output going to each job log.',
    template: { kind: 'shell', params: { argv: ['sleep', '2'] } },
    count: 4,
  },
]

export function presetPayload(preset: Preset): CommandInput<'submit'> {
  return { name: preset.label, template: preset.template, count: preset.count }
}
