// A batch file opened the desktop app's way (openBatchFiles → readBatchRequest → the API host's
// submitLines, on a real persistent engine with SQLite and worker threads) whose template reads
// a file of lines beside it (CRLF line ends, blank lines among them) streams the file: every
// line becomes one job and succeeds, the batch's total follows what has been read (far below
// the file's length at first), the engine never holds more than about the stream's window of
// jobs, and the live heap (after a full collection) stays within a generous ratio of a file 20×
// shorter. Before, the app read the file whole and submitted every line as one list, held in
// memory to the end. Each run is a child process with --expose-gc; memory is compared as a
// ratio, never an absolute figure, and no time is asserted.
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const CHILD = resolve(import.meta.dirname, 'batch-lines-child.ts')

interface LinesRun {
  jobs: number | null
  succeeded: number
  other: number
  total: number
  firstTotal: number
  mostHeld: number
  liveHeap: number
}

async function openLines(count: number): Promise<LinesRun> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, String(count)], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout) as LinesRun
}

describe('a batch file of lines opened in the desktop app', () => {
  it('streams a file 20× longer in the memory of a short one, every line one job', async () => {
    const small = await openLines(5_000)
    const large = await openLines(100_000)
    // Read as it runs: the first view counted at most the window (10,000 unfinished) plus what had finished.
    expect(large.firstTotal).toBeLessThan(50_000)
    // The window of unfinished jobs plus the finished ones not yet cleared (cleared every half window).
    expect(large.mostHeld).toBeLessThanOrEqual(20_000)
    expect(large.liveHeap).toBeLessThan(small.liveHeap * 2)
    expect(small).toMatchObject({ succeeded: 5_000, other: 0, total: 5_000 })
    // Every line one job, each run once; its length is known once it has been read (the submit does not say it).
    expect(large).toMatchObject({ jobs: null, succeeded: 100_000, other: 0, total: 100_000 })
  }, 300_000)
})
