// Memory per queued job: a paused engine holding 100,000 queued jobs, measured as the growth
// of the V8 heap after full GCs, minus what the same 100,000 params objects cost on their
// own. Target: ≤ 300 bytes per queued job beyond its params.
import { REPORTED, row } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples } from '../lib/types.ts'

const JOBS = 100_000
const WARMUP_JOBS = 2000

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with --expose-gc')
  // Twice: objects freed by the first collection's finalizers go in the second.
  gc()
  gc()
}

const heap = (): number => {
  fullGc()
  return process.memoryUsage().heapUsed
}

/** The job specs both variants start from: distinct params per job, as a real batch has. */
const specs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ kind: 'sum-squares', params: { n: from + i + 1 } }))

/** Fills `slots` with the very objects the engine would keep: params as the shared schema check outputs them. */
async function fillWithValidatedParams(slots: unknown[]): Promise<void> {
  const { checkJobSpec } = await import('../../src/shared/schemas.ts')
  const list = specs(slots.length)
  for (let i = 0; i < list.length; i++) {
    const checked = checkJobSpec(list[i])
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems))
    slots[i] = checked.job.params
  }
}

export const measure: Measure = {
  name: 'memory',
  title: 'Engine memory per queued job',
  how: () =>
    `Each run in a fresh process with --expose-gc; heap = process.memoryUsage().heapUsed after two gc() calls. "engine": ` +
    `a paused engine gets engine.submit of ${JOBS.toLocaleString('en')} explicit sum-squares jobs with distinct params ` +
    `{ n } (after a ${WARMUP_JOBS}-job submit on another engine, closed, so code and caches are warm); the caller then ` +
    `drops its list and the returned ids; bytes/job = heap growth / ${JOBS.toLocaleString('en')}. "params alone": the ` +
    `same ${JOBS.toLocaleString('en')} params as the engine keeps them (the output of the shared checkJobSpec, i.e. ` +
    `valibot's copy), held in an array, minus the array itself. Beyond params = engine − params alone, per round.`,
  variants: ['engine', 'params-alone'],
  execArgv: ['--expose-gc'],
  async run(variant: string): Promise<Metrics> {
    if (variant === 'params-alone') {
      const before = heap()
      const slots: unknown[] = new Array(JOBS).fill(0)
      const arrayBytes = heap() - before
      await fillWithValidatedParams(slots)
      const paramsBytes = (heap() - before - arrayBytes) / JOBS
      if ((slots[JOBS - 1] as { n: number }).n !== JOBS) throw new Error('params went missing')
      return { paramsBytesPerJob: paramsBytes, arrayBytesPerJob: arrayBytes / JOBS }
    }
    const { withEngine } = await import('../lib/corelane.ts')
    await withEngine({ paused: true }, async (engine) => {
      await engine.submit({ jobs: specs(WARMUP_JOBS) })
    })
    return withEngine({ paused: true }, async (engine) => {
      const before = heap()
      // In its own function, so the caller's list and the returned ids are garbage afterwards.
      const submitted = async () => (await engine.submit({ jobs: specs(JOBS) })).jobIds.length
      const count = await submitted()
      const queued = engine.stats().counts.queued
      if (queued !== JOBS || count !== JOBS) throw new Error(`expected ${JOBS} queued, got ${queued}`)
      return { engineBytesPerJob: (heap() - before) / JOBS }
    })
  },
  rows(samples: Samples): Row[] {
    const engine = samples['engine'] ?? []
    const params = samples['params-alone'] ?? []
    // Pair rounds by index (each round ran both variants) to get "beyond params" per round.
    const beyond: Samples = {
      engine: engine.slice(0, params.length).map((e, i) => ({ bytes: e.engineBytesPerJob! - params[i]!.paramsBytesPerJob! })),
    }
    return [
      row(beyond, {
        measure: 'memory',
        label: `per queued job beyond its params (${JOBS / 1000}k queued)`,
        unit: 'B/job',
        corelane: ['engine', 'bytes'],
        target: { atMost: 300 },
      }),
      row(samples, {
        measure: 'memory',
        label: 'per queued job, total',
        unit: 'B/job',
        corelane: ['engine', 'engineBytesPerJob'],
        peer: ['params-alone', 'paramsBytesPerJob', 'validated params alone'],
        target: REPORTED,
      }),
    ]
  },
}
