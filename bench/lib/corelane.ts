// Corelane as the benches use it: an engine on plain Node (child_process.fork host) with its
// own temporary data folder, always closed and cleaned up, and a check that every job of a
// timed run really succeeded, so a fast number can never come from failed jobs.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, forkProcessHost, type Engine, type EngineOptions } from '../../src/main/engine/index.ts'

export type { Engine }

export async function withEngine<T>(options: Omit<EngineOptions, 'dataDir'>, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'corelane-bench-'))
  const engine = createEngine({ processHost: forkProcessHost, ...options, dataDir })
  try {
    return await fn(engine)
  } finally {
    await engine.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** Throws unless exactly `expected` jobs have succeeded and none failed so far. */
export function expectSucceeded(engine: Engine, expected: number): void {
  const { counts } = engine.stats()
  const bad = counts.failed + counts['timed-out'] + counts.cancelled + counts.interrupted
  if (counts.succeeded !== expected || bad > 0) {
    throw new Error(`expected ${expected} succeeded jobs, engine counts: ${JSON.stringify(counts)}`)
  }
}
