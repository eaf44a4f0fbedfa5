// The monitor `corelane lab` records per-core load with, as it really starts: a real sampler
// thread on this machine. It must sample load only: the process list and the hardware readings
// would be the monitor's own work on the cores the lab is measuring.
import { describe, expect, it } from 'vitest'
import { startLabMonitor } from '../../src/cli/lab-command.ts'
import type { MonitorSample } from '../../src/shared/contract.ts'

describe('the lab’s monitor', () => {
  it('samples per-core load, and neither processes nor hardware', async () => {
    const monitor = startLabMonitor()
    try {
      const samples: MonitorSample[] = []
      // Processes and hardware ride on the first sample and then one a second: wait past two of those.
      await new Promise<void>((done) => {
        const off = monitor.onSample((sample) => {
          samples.push(sample)
          if (samples.length >= 2 && samples.at(-1)!.at - samples[0]!.at >= 1200) {
            off()
            done()
          }
        })
      })
      expect(samples.every((s) => s.cores.length > 0)).toBe(true)
      expect(samples.filter((s) => s.processes !== undefined)).toEqual([])
      expect(samples.filter((s) => s.hardware !== undefined)).toEqual([])
    } finally {
      await monitor.close()
    }
  }, 20_000)
})
