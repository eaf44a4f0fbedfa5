// Before anything is timed, the lab runs each kind of the experiment once on a thread and in a
// process, so every strategy's workers find their code in the compile cache. Without it the
// first strategy would pay for compiling (about 30–40 ms a worker on plain Node, where workers
// load TypeScript) and the later ones would not, and the comparison would measure the cache.
import type { JobSpec } from '../../../shared/job.ts'
import { createEngine } from '../../engine/index.ts'
import type { LabEnv } from './run-strategy.ts'

/** The cheapest job of each kind the lab runs: enough to load its module. */
function warmJob(kind: string, warmUrl: string | undefined): JobSpec | null {
  if (kind === 'noop') return { kind, params: {} }
  if (kind === 'sleep') return { kind, params: { ms: 1 } }
  if (kind === 'sum-squares') return { kind, params: { n: 1 } }
  if (kind === 'http-get' && warmUrl) return { kind, params: { url: warmUrl } }
  return null
}

export async function warmUp(jobs: JobSpec[], env: LabEnv, warmUrl?: string): Promise<void> {
  const kinds = new Set(['noop', ...jobs.map((job) => job.kind)])
  const engine = createEngine({
    dataDir: env.dataDir,
    processHost: env.processHost,
    workerEntries: env.workerEntries,
    compileCacheDir: env.compileCacheDir,
  })
  try {
    const runs: Promise<unknown>[] = []
    for (const kind of kinds) {
      const job = warmJob(kind, warmUrl)
      if (!job) continue
      for (const executor of ['thread', 'process'] as const) runs.push(engine.run({ ...job, executor, lane: 'cpu' }))
    }
    await Promise.all(runs)
  } finally {
    await engine.close()
  }
}
