// The monitor with real systeminformation in its real sampler thread: one entry per core,
// percentages in range, memory in range, a rate that changes and is clamped, and silence
// after close().
import { cpus } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import type { MonitorSample } from '../../../src/shared/contract.ts'
import { startMonitor, type Monitor } from '../../../src/main/engine/index.ts'

let monitor: Monitor | null = null

afterEach(async () => {
  await monitor?.close()
  monitor = null
})

/** Resolves with the next `count` samples. */
function nextSamples(m: Monitor, count: number): Promise<MonitorSample[]> {
  return new Promise((resolve) => {
    const samples: MonitorSample[] = []
    const off = m.onSample((sample) => {
      samples.push(sample)
      if (samples.length < count) return
      off()
      resolve(samples)
    })
  })
}

describe('monitor', () => {
  it('samples every core, with loads within 0..100 and memory within the total', async () => {
    monitor = startMonitor({ hz: 4 })
    expect(monitor.last()).toBeNull()
    const started = performance.now()
    const samples = await nextSamples(monitor, 4)
    // The first call only primes systeminformation; then one sample every 250 ms.
    expect(performance.now() - started).toBeLessThan(3000)
    for (const sample of samples) {
      expect(sample.cores).toHaveLength(cpus().length)
      for (const load of [...sample.cores, sample.total]) {
        expect(load).toBeGreaterThanOrEqual(0)
        expect(load).toBeLessThanOrEqual(100)
      }
      // The total is the machine-wide share: it lies between the least and the most busy core.
      expect(sample.total).toBeGreaterThanOrEqual(Math.min(...sample.cores) - 1)
      expect(sample.total).toBeLessThanOrEqual(Math.max(...sample.cores) + 1)
      expect(sample.memTotal).toBeGreaterThan(0)
      expect(sample.memUsed).toBeGreaterThan(0)
      expect(sample.memUsed).toBeLessThanOrEqual(sample.memTotal)
    }
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.at).toBeGreaterThan(samples[i - 1]!.at)
    expect(monitor.last()).toEqual(samples[samples.length - 1])
  })

  it('changes and clamps its rate', async () => {
    monitor = startMonitor({ hz: 4 })
    await nextSamples(monitor, 1)
    expect(monitor.setRate(2)).toBe(2)
    expect(monitor.rate()).toBe(2)
    // The first sample after the change may still follow the old beat; the next ones follow the new.
    const slow = await nextSamples(monitor, 3)
    const slowGap = (slow[2]!.at - slow[0]!.at) / 2
    // 2 Hz is 500 ms apart, 4 Hz 250 ms: the bounds keep them apart with room for a loaded machine.
    expect(slowGap).toBeGreaterThan(380)
    expect(slowGap).toBeLessThan(1000)

    expect(monitor.setRate(50)).toBe(4)
    // Over four gaps: under load a late sample is followed by an early one (the beat catches
    // up), so two gaps alone once averaged 146 ms on this VM at load 12.
    const fast = await nextSamples(monitor, 6)
    const fastGap = (fast[5]!.at - fast[1]!.at) / 4
    expect(fastGap).toBeGreaterThan(150)
    expect(fastGap).toBeLessThan(450)

    expect(monitor.setRate(0.01)).toBe(0.5)
    expect(monitor.setRate(Number.NaN)).toBe(4)
  })

  it('stops sampling when closed', async () => {
    monitor = startMonitor({ hz: 4 })
    await nextSamples(monitor, 1)
    let after = 0
    monitor.onSample(() => after++)
    await monitor.close()
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(after).toBe(0)
  })
})
