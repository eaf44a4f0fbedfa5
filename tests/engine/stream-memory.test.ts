// engine.submitStream on a real engine (real worker threads, a real store), each run in a child
// process with --expose-gc so that memory is the live heap after a full collection: a
// template batch 40× the stream's window finishes with every input run exactly once, the engine
// never holds more than the window of its jobs, and the live heap stays within a small
// multiple of a one-window batch's (a ratio, never an absolute figure).
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const CHILD = resolve(import.meta.dirname, 'stream-memory-child.ts')
const WINDOW = 1000

interface FeedRun {
  names: number
  first: boolean
  last: boolean
  mostHeld: number
  held: number
  liveHeap: number
  progress: { read: number; inputEnded: boolean; exhausted: boolean }
  view: { total: number; succeeded: number }
}

async function feedBatch(count: number): Promise<FeedRun> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, String(count), String(WINDOW)])
  return JSON.parse(stdout) as FeedRun
}

describe('submitStream', () => {
  it('runs a batch 40× its window with every input once, at most the window held, the heap bounded', async () => {
    const small = await feedBatch(WINDOW * 2)
    const large = await feedBatch(WINDOW * 40)
    expect(large).toMatchObject({ names: WINDOW * 40, first: true, last: true, held: 0 })
    expect(large.progress).toMatchObject({ read: WINDOW * 40, inputEnded: true, exhausted: true })
    expect(large.view).toEqual({ total: WINDOW * 40, succeeded: WINDOW * 40 })
    // At most a window of unfinished jobs plus those finished since the last clear.
    expect(large.mostHeld).toBeLessThanOrEqual(WINDOW * 2)
    // 20× the jobs of the small batch, yet about the same live heap.
    expect(large.liveHeap).toBeLessThan(small.liveHeap * 1.5)
  }, 180_000)
})
