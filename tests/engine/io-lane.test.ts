// The I/O lane runs thousands of jobs at once inside one worker's event loop, without taking
// CPU slots from the CPU lane.
import { describe, expect, it } from 'vitest'
import { makeEngine } from './fixture.ts'

describe('I/O lane', () => {
  it('runs 10,000 concurrent sleeps in about the time of one', async () => {
    const { engine } = await makeEngine({ ioConcurrency: 10_000 })
    const t = performance.now()
    const { jobIds } = await engine.submit({ template: { kind: 'sleep', params: { ms: 1000 } }, count: 10_000 })
    await engine.whenSettled(jobIds)
    const wall = performance.now() - t
    expect(engine.stats().counts.succeeded).toBe(10_000)
    // Sequentially this would take 10,000 s; concurrently it is about 1 s (generous bound).
    expect(wall).toBeLessThan(6000)
    const io = engine.workers().filter((w) => w.lane === 'io')
    expect(io).toHaveLength(1)
  })

  it('respects the I/O concurrency limit', async () => {
    const { engine } = await makeEngine({ ioConcurrency: 5 })
    const t = performance.now()
    await engine.submit({ template: { kind: 'sleep', params: { ms: 200 } }, count: 10 })
    await engine.whenSettled()
    // Two waves of five.
    expect(performance.now() - t).toBeGreaterThan(380)
  })

  it('does not take CPU slots: CPU jobs run while the I/O lane is full', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1, ioConcurrency: 100 })
    await engine.submit({ template: { kind: 'sleep', params: { ms: 1500 } }, count: 100 })
    const t = performance.now()
    const cpu = await engine.run({ kind: 'sum-squares', params: { n: 1000 } })
    expect(cpu.state).toBe('succeeded')
    expect(performance.now() - t).toBeLessThan(1400)
  })
})
