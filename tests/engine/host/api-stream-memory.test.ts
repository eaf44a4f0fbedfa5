// Web mode's submit of a template with a count of 2,000,000 (through the API host's
// validated `submit` command, on a real persistent engine with SQLite and worker threads) is
// streamed by the engine: the submit answers at once with the batch and its length, the
// batch's view counts the whole 2,000,000 from the start, every job succeeds, the engine
// never holds more than about its window of jobs, and the live heap (after a full collection)
// stays within a generous ratio of a batch 100× smaller. Each run is a child process with
// --expose-gc; memory is compared as ratios, never as absolute figures, and no time is asserted.
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const CHILD = resolve(import.meta.dirname, 'api-stream-child.ts')

interface ApiRun {
  succeeded: number
  listed: number
  streamed: number
  totalSeen: number
  mostHeld: number
  liveHeap: number
  rss: number
}

async function submitCount(count: number): Promise<ApiRun> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, String(count)], {
    maxBuffer: 1 << 20,
  })
  return JSON.parse(stdout) as ApiRun
}

describe('the API host streams a large count', () => {
  it('runs a 2,000,000-job count submitted from web mode in the memory of a small batch', async () => {
    const small = await submitCount(20_000)
    const large = await submitCount(2_000_000)
    expect(large).toMatchObject({ succeeded: 2_000_000, listed: 0, streamed: 2_000_000, totalSeen: 2_000_000 })
    // The window (10,000 unfinished) plus the finished ones not yet cleared (cleared every half window).
    expect(large.mostHeld).toBeLessThanOrEqual(20_000)
    // 100× the jobs, about the same live heap.
    expect(large.liveHeap).toBeLessThan(small.liveHeap * 2)
    // The process as a whole (the store's thread, the workers, V8's spaces) within a generous ratio.
    expect(large.rss).toBeLessThan(small.rss * 4)
  }, 600_000)
})
