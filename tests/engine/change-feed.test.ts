// The change feed on its own, with a plain source (no engine, no workers): coalescing, windows,
// slices of FEED_MAX_JOBS and removals. tests/engine/feed.test.ts covers it inside a real engine.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobView } from '../../src/shared/job.ts'
import { ChangeFeed, FEED_MAX_JOBS } from '../../src/main/engine/change-feed.ts'
import type { EngineChanges } from '../../src/main/engine/types.ts'

const INTERVAL = 50

function setUp() {
  let newest = 0
  const views: number[] = []
  const feed = new ChangeFeed<{ id: number }>(
    {
      view: (job) => {
        views.push(job.id)
        return { id: job.id } as JobView
      },
      workers: () => [],
      batches: () => [],
      stats: () => ({}) as never,
      newestJobId: () => newest,
    },
    INTERVAL,
  )
  const jobs = (count: number) => Array.from({ length: count }, () => ({ id: ++newest }))
  return { feed, jobs, views }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('change feed', () => {
  it('builds no views while nobody listens', () => {
    const { feed, jobs, views } = setUp()
    for (const job of jobs(10)) feed.job(job)
    vi.advanceTimersByTime(INTERVAL * 3)
    expect(views).toEqual([])
  })

  it('coalesces every change in an interval into one delivery, one view per job', () => {
    const { feed, jobs } = setUp()
    const deliveries: EngineChanges[] = []
    feed.subscribe((changes) => deliveries.push(changes))
    const made = jobs(3)
    for (let i = 0; i < 5; i++) for (const job of made) feed.job(job)
    feed.statsChanged()
    vi.advanceTimersByTime(INTERVAL)
    expect(deliveries).toHaveLength(1)
    expect(deliveries[0]!.jobs.map((j) => j.id)).toEqual([1, 2, 3])
    expect(deliveries[0]!.stats).not.toBeNull()
    expect(deliveries[0]!.workers).toBeNull()
    vi.advanceTimersByTime(INTERVAL * 3)
    expect(deliveries).toHaveLength(1)
  })

  it('delivers a burst in slices of FEED_MAX_JOBS, carrying the rest over', () => {
    const { feed, jobs } = setUp()
    const sizes: number[] = []
    feed.subscribe((changes) => sizes.push(changes.jobs.length))
    for (const job of jobs(FEED_MAX_JOBS * 2 + 10)) feed.job(job)
    vi.advanceTimersByTime(INTERVAL * 3)
    expect(sizes).toEqual([FEED_MAX_JOBS, FEED_MAX_JOBS, 10])
  })

  it('builds views only for the newest jobs of the widest window, and gives a narrower listener its own', () => {
    const { feed, jobs, views } = setUp()
    const narrow: number[] = []
    const wide: number[] = []
    feed.subscribe((changes) => narrow.push(...changes.jobs.map((j) => j.id)), 2)
    feed.subscribe((changes) => wide.push(...changes.jobs.map((j) => j.id)), 5)
    for (const job of jobs(10)) feed.job(job)
    vi.advanceTimersByTime(INTERVAL)
    expect(views).toEqual([6, 7, 8, 9, 10])
    expect(wide).toEqual([6, 7, 8, 9, 10])
    expect(narrow).toEqual([9, 10])
  })

  it('reports removed jobs and forgets their pending changes', () => {
    const { feed, jobs } = setUp()
    const deliveries: EngineChanges[] = []
    feed.subscribe((changes) => deliveries.push(changes))
    const [a, b] = jobs(2)
    feed.job(a!)
    feed.job(b!)
    feed.removed(a!)
    vi.advanceTimersByTime(INTERVAL)
    expect(deliveries[0]).toMatchObject({ removed: [1] })
    expect(deliveries[0]!.jobs.map((j) => j.id)).toEqual([2])
  })

  it('stops delivering to a listener that unsubscribed', () => {
    const { feed, jobs } = setUp()
    let calls = 0
    const off = feed.subscribe(() => calls++)
    feed.job(jobs(1)[0]!)
    vi.advanceTimersByTime(INTERVAL)
    off()
    feed.job(jobs(1)[0]!)
    feed.flushNow()
    expect(calls).toBe(1)
  })
})
