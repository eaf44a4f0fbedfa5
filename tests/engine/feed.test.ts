// The change feed under load: a subscriber can follow only the newest jobs, a burst arrives in
// bounded slices without losing a change, and a worker's view never lists thousands of jobs.
import { describe, expect, it } from 'vitest'
import type { EngineChanges } from '../../src/main/engine/index.ts'
import { makeEngine, until } from './fixture.ts'

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('change feed', () => {
  it('reports changes to the newest jobs only, when the subscriber asks for a window', async () => {
    const { engine } = await makeEngine({ paused: true, eventIntervalMs: 100 })
    const seen = new Set<number>()
    engine.subscribe((changes) => changes.jobs.forEach((job) => seen.add(job.id)), { newestJobs: 100 })
    const { jobIds } = await engine.submit({ template: { kind: 'noop', params: {} }, count: 1000 })
    await settle(250)
    expect([...seen].sort((a, b) => a - b)).toEqual(jobIds.slice(-100))
    // Counts still cover every job.
    expect(engine.stats().counts.queued).toBe(1000)
  })

  it('gives each subscriber its own window when two follow different ones', async () => {
    const { engine } = await makeEngine({ paused: true, eventIntervalMs: 100 })
    const narrow = new Set<number>()
    const wide = new Set<number>()
    engine.subscribe((changes) => changes.jobs.forEach((job) => narrow.add(job.id)), { newestJobs: 10 })
    engine.subscribe((changes) => changes.jobs.forEach((job) => wide.add(job.id)), { newestJobs: 200 })
    const { jobIds } = await engine.submit({ template: { kind: 'noop', params: {} }, count: 1000 })
    await settle(250)
    expect([...narrow].sort((a, b) => a - b)).toEqual(jobIds.slice(-10))
    expect([...wide].sort((a, b) => a - b)).toEqual(jobIds.slice(-200))
  })

  it('delivers a burst in slices of at most 5,000 views, and every change arrives', async () => {
    const { engine } = await makeEngine({ paused: true, eventIntervalMs: 50 })
    const deliveries: EngineChanges[] = []
    engine.subscribe((changes) => deliveries.push(changes))
    const { jobIds } = await engine.submit({ template: { kind: 'noop', params: {} }, count: 12_000 })
    await until(() => new Set(deliveries.flatMap((d) => d.jobs.map((j) => j.id))).size === 12_000, 5000, 'every job reported')
    for (const delivery of deliveries) expect(delivery.jobs.length).toBeLessThanOrEqual(5000)
    expect(deliveries.filter((d) => d.jobs.length > 0).length).toBeGreaterThanOrEqual(3)
    expect(new Set(deliveries.flatMap((d) => d.jobs.map((j) => j.id)))).toEqual(new Set(jobIds))
  })

  it("counts an I/O worker's running jobs but names only a few", async () => {
    const { engine } = await makeEngine({ ioConcurrency: 5000 })
    const { jobIds } = await engine.submit({ template: { kind: 'sleep', params: { ms: 1500 } }, count: 3000 })
    await until(() => engine.stats().counts.running === 3000, 5000, 'all sleeps running')
    const io = engine.workers().find((w) => w.lane === 'io')!
    expect(io.running).toBe(3000)
    expect(io.jobIds).toHaveLength(8)
    for (const id of io.jobIds) expect(jobIds).toContain(id)
    engine.cancel(jobIds)
    await engine.whenSettled(jobIds)
    await until(() => engine.workers().every((w) => w.running === 0), 5000, 'no running jobs left')
  })
})
