// `after` inside a stream in bounded memory: 200,000 jobs in pairs (`parse i` waits for
// `fetch i` by name), pulled by engine.submitStream with a window of 2,000 on a real persistent
// engine: every parse runs after its fetch, the engine never holds more than about its window,
// and the live heap (after a full collection, in a child with --expose-gc) stays within a
// generous ratio of a 20,000-job stream's: the dependency bookkeeping (recent names, waiting
// jobs) does not grow with the stream. Ratios only, no time asserted.
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const CHILD = resolve(import.meta.dirname, 'stream-deps-child.ts')

interface DepsRun {
  parsed: number
  early: number
  succeeded: number
  mostHeld: number
  liveHeap: number
  pending: number
}

async function pairs(jobs: number): Promise<DepsRun> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, String(jobs)])
  return JSON.parse(stdout) as DepsRun
}

describe('after inside a stream', () => {
  it('keeps a 200,000-job dependency stream in the memory of a 20,000-job one', async () => {
    const small = await pairs(20_000)
    const large = await pairs(200_000)
    expect(large).toMatchObject({ parsed: 100_000, early: 0, succeeded: 200_000, pending: 0 })
    expect(large.mostHeld).toBeLessThanOrEqual(2_000 * 2)
    expect(large.liveHeap).toBeLessThan(small.liveHeap * 1.5)
  }, 600_000)
})
