// The stream feed on a real engine (real worker threads, a real store): a template batch far
// longer than the feed's window finishes with every input run exactly once, while the engine
// never holds more than the window of its jobs, and its memory grows with the window, not with
// the batch (a ratio against a small batch, never an absolute figure).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { StreamFeed } from '../../src/cli/stream-feed.ts'
import { openPersistentEngine } from '../../src/main/host/persistent-engine.ts'
import { rangeInputs, streamSubmission } from '../../src/main/engine/submission.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

const WINDOW = 1000

/** Runs `count` sleep-0 jobs through a feed; returns the most jobs the engine held and its heap growth. */
async function feedBatch(count: number) {
  const dataDir = await mkdtemp(join(tmpdir(), 'corelane-feed-'))
  dirs.push(dataDir)
  const opened = await openPersistentEngine({ dataDir, restore: 'none', cpuSlots: 2 })
  const { engine } = opened
  const names = new Set<string>()
  engine.onJobSettled((job) => {
    expect(job.state).toBe('succeeded')
    names.add(job.name)
  })
  const feed = new StreamFeed(engine, { name: `feed ${count}`, window: WINDOW })
  const heapBefore = process.memoryUsage().heapUsed
  let mostHeld = 0
  let heapPeak = heapBefore
  const sampler = setInterval(() => {
    mostHeld = Math.max(mostHeld, engine.listJobs({ limit: 1 }).total)
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
  }, 5)
  const specs = streamSubmission({
    template: { name: 'n {}', kind: 'noop', params: {} },
    inputs: rangeInputs({ from: 0, to: count, step: 1 }),
  })
  await feed.run(specs)
  clearInterval(sampler)
  const held = engine.listJobs({ limit: 1 }).total
  await opened.close()
  return { names, mostHeld, held, heapGrowth: heapPeak - heapBefore, progress: feed.progress }
}

describe('StreamFeed', () => {
  it('runs a batch 40× its window with every input once and at most the window in memory', async () => {
    const small = await feedBatch(WINDOW)
    const large = await feedBatch(WINDOW * 40)
    expect(large.names.size).toBe(WINDOW * 40)
    expect(large.names.has('n 0') && large.names.has(`n ${WINDOW * 40 - 1}`)).toBe(true)
    expect(large.progress).toMatchObject({ submitted: WINDOW * 40, settled: WINDOW * 40, inputEnded: true })
    expect(large.progress.counts).toEqual({ succeeded: WINDOW * 40 })
    // The engine held at most a window of unfinished jobs plus those finished since the last clear.
    expect(large.mostHeld).toBeLessThanOrEqual(WINDOW * 2)
    expect(large.held).toBe(0)
    // 40× the jobs, yet the heap grows by a small multiple of the one-window batch's growth.
    expect(large.heapGrowth).toBeLessThan(Math.max(small.heapGrowth, 1 << 20) * 8)
  }, 120_000)
})
