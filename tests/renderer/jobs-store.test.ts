// The jobs store under load: 10,000 jobs in one event, state changes, removals, counts,
// filtering and sorting, applied the way the host's coalesced `jobs` events arrive.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { LIVE_JOB_WINDOW } from '../../src/shared/contract.ts'
import { useJobsStore } from '../../src/renderer/src/stores/jobs.ts'
import { jobsInState, makeJob } from './fake-api.ts'

describe('jobs store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('applies 10,000 changed jobs from one event, with counts by state', () => {
    const jobs = useJobsStore()
    const changed = [
      ...jobsInState(6000, 'queued'),
      ...jobsInState(3000, 'running', 6001),
      ...jobsInState(1000, 'succeeded', 9001),
    ]
    const before = jobs.version
    const started = performance.now()
    jobs.apply({ changed, removed: [] })
    const elapsed = performance.now() - started

    expect(jobs.version).toBe(before + 1)
    expect(jobs.total).toBe(10_000)
    expect(jobs.counts.queued).toBe(6000)
    expect(jobs.counts.running).toBe(3000)
    expect(jobs.counts.succeeded).toBe(1000)
    expect(jobs.visibleIds).toHaveLength(10_000)
    expect(jobs.visibleIds[0]).toBe(10_000) // newest first
    expect(jobs.visibleIds.at(-1)).toBe(1)
    expect(elapsed).toBeLessThan(500)
  })

  it('keeps the newest LIVE_JOB_WINDOW jobs, and takes the engine total from its counts', () => {
    const jobs = useJobsStore()
    jobs.apply({ changed: jobsInState(LIVE_JOB_WINDOW, 'succeeded'), removed: [] })
    jobs.setSelection([1, 2, LIVE_JOB_WINDOW])
    // 500 newer jobs push the 500 oldest out of the window.
    jobs.apply({ changed: jobsInState(500, 'queued', LIVE_JOB_WINDOW + 1), removed: [] })
    expect(jobs.total).toBe(LIVE_JOB_WINDOW)
    expect(jobs.get(500)).toBeUndefined()
    expect(jobs.get(501)?.state).toBe('succeeded')
    expect(jobs.counts).toMatchObject({ succeeded: LIVE_JOB_WINDOW - 500, queued: 500 })
    expect(jobs.visibleIds.at(-1)).toBe(501)
    expect([...jobs.selected]).toEqual([LIVE_JOB_WINDOW])
    jobs.syncEngineTotal(100_000)
    expect(jobs.engineTotal).toBe(100_000)
  })

  it('moves counts when jobs change state, and keeps the latest view', () => {
    const jobs = useJobsStore()
    jobs.apply({ changed: jobsInState(100, 'queued'), removed: [] })
    jobs.apply({
      changed: Array.from({ length: 40 }, (_, i) =>
        makeJob(i + 1, { state: 'running', progress: 0.5, workerId: 1, startedAt: 2000 }),
      ),
      removed: [],
    })
    jobs.apply({ changed: [makeJob(1, { state: 'failed', error: { code: 'job-error', message: 'boom' } })], removed: [] })

    expect(jobs.counts.queued).toBe(60)
    expect(jobs.counts.running).toBe(39)
    expect(jobs.counts.failed).toBe(1)
    expect(jobs.total).toBe(100)
    expect(jobs.get(1)?.error?.message).toBe('boom')
    expect(jobs.get(2)?.progress).toBe(0.5)
  })

  it('removes ids, their counts and their selection', () => {
    const jobs = useJobsStore()
    jobs.apply({ changed: [...jobsInState(5, 'succeeded'), ...jobsInState(5, 'queued', 6)], removed: [] })
    jobs.setSelection([1, 2, 7])
    jobs.apply({ changed: [], removed: [1, 2, 3, 4, 5, 999] })

    expect(jobs.total).toBe(5)
    expect(jobs.counts.succeeded).toBe(0)
    expect(jobs.counts.queued).toBe(5)
    expect(jobs.visibleIds).toEqual([10, 9, 8, 7, 6])
    expect([...jobs.selected]).toEqual([7])
    expect(jobs.get(1)).toBeUndefined()
  })

  it('keeps id order when ids arrive out of order', () => {
    const jobs = useJobsStore()
    jobs.apply({ changed: [makeJob(5), makeJob(3)], removed: [] })
    jobs.apply({ changed: [makeJob(4), makeJob(1)], removed: [] })
    expect(jobs.visibleIds).toEqual([5, 4, 3, 1])
  })

  it('filters by state, text and batch, and sorts', () => {
    const jobs = useJobsStore()
    jobs.apply({
      changed: [
        makeJob(1, { name: 'alpha', state: 'running', batchId: 1 }),
        makeJob(2, { name: 'beta', state: 'queued', batchId: 2 }),
        makeJob(3, { name: 'gamma', kind: 'primes', state: 'running', batchId: 2 }),
      ],
      removed: [],
    })
    jobs.setSort('id') // oldest first
    jobs.stateFilter = 'running'
    expect(jobs.visibleIds).toEqual([1, 3])
    jobs.text = 'PRIMES'
    expect(jobs.visibleIds).toEqual([3])
    jobs.text = ''
    jobs.stateFilter = 'all'
    jobs.batchFilter = 2
    expect(jobs.visibleIds).toEqual([2, 3])
    jobs.batchFilter = null
    jobs.setSort('id') // newest first again
    expect(jobs.visibleIds).toEqual([3, 2, 1])
    jobs.setSort('state')
    expect(jobs.visibleIds).toEqual([1, 3, 2])
  })

  it('knows which selected jobs can be cancelled or retried', () => {
    const jobs = useJobsStore()
    jobs.apply({ changed: [makeJob(1, { state: 'running' }), makeJob(2, { state: 'failed' })], removed: [] })
    jobs.setSelection([1])
    expect(jobs.canCancel).toBe(true)
    expect(jobs.canRetry).toBe(false)
    jobs.setSelection([2])
    expect(jobs.canCancel).toBe(false)
    expect(jobs.canRetry).toBe(true)
    expect(jobs.finishedCount).toBe(1)
  })

  it('replaces everything on a snapshot reset', () => {
    const jobs = useJobsStore()
    jobs.apply({ changed: jobsInState(10, 'queued'), removed: [] })
    jobs.reset([makeJob(42, { state: 'succeeded' })])
    expect(jobs.total).toBe(1)
    expect(jobs.counts.queued).toBe(0)
    expect(jobs.counts.succeeded).toBe(1)
    expect(jobs.visibleIds).toEqual([42])
  })
})
