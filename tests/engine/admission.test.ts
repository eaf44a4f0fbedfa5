// Admission (GNU parallel's --load and --memfree) and the start pacer (--delay), without the
// engine: verdicts for given readings, the job to give back when memory runs short, and the
// machine's real readings parsed as GNU parallel reads them.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { admit, youngestToRequeue } from '../../src/main/engine/admission.ts'
import { parseLoadavg, parseMeminfo, systemAdmissionSource } from '../../src/main/engine/admission-source.ts'
import { StartPacer } from '../../src/main/engine/start-pacer.ts'
import { parseDuration, parseSize } from '../../src/shared/size.ts'

const GiB = 2 ** 30

describe('admit', () => {
  it('holds CPU jobs while the load is at or above max-load, never I/O jobs', () => {
    expect(admit('cpu', { maxLoad: 2 }, { load: 2, freeBytes: null })).toEqual({
      admit: false,
      reason: 'waiting for the load to drop: 2 ≥ max-load 2',
    })
    expect(admit('cpu', { maxLoad: 2 }, { load: 1, freeBytes: null })).toEqual({ admit: true })
    expect(admit('io', { maxLoad: 2 }, { load: 9, freeBytes: null })).toEqual({ admit: true })
  })

  it('holds every job while free memory is below mem-free', () => {
    expect(admit('io', { memFree: 2 * GiB }, { load: 0, freeBytes: 1.5 * GiB })).toEqual({
      admit: false,
      reason: 'waiting for memory: 1.5 GiB free < mem-free 2.0 GiB',
    })
    expect(admit('cpu', { memFree: 2 * GiB }, { load: 0, freeBytes: 3 * GiB })).toEqual({ admit: true })
  })

  it('admits when a reading is unknown (a platform without it)', () => {
    expect(admit('cpu', { maxLoad: 1, memFree: GiB }, { load: null, freeBytes: null })).toEqual({ admit: true })
  })
})

describe('youngestToRequeue', () => {
  const running = [
    { id: 1, startedAt: 100 },
    { id: 2, startedAt: 300 },
    { id: 3, startedAt: 200 },
  ]
  it('gives back the last job to start once free memory is below half of mem-free', () => {
    expect(youngestToRequeue({ memFree: 4 * GiB }, { load: 0, freeBytes: 1.9 * GiB }, running)?.id).toBe(2)
    expect(youngestToRequeue({ memFree: 4 * GiB }, { load: 0, freeBytes: 2.1 * GiB }, running)).toBeNull()
    expect(youngestToRequeue({}, { load: 0, freeBytes: 0 }, running)).toBeNull()
  })
})

describe('the machine, read as GNU parallel reads it', () => {
  it('parses /proc/loadavg and /proc/meminfo', () => {
    expect(parseLoadavg('13.02 12.43 8.54 11/425 32186\n')).toBe(10)
    expect(
      parseMeminfo('MemTotal: 100 kB\nMemFree:  10 kB\nMemAvailable: 50 kB\nBuffers: 2 kB\nCached: 3 kB\nSwapCached: 1 kB\n'),
    ).toBe(16 * 1024)
    expect(parseLoadavg('garbage')).toBeNull()
  })

  it.skipIf(process.platform !== 'linux')('samples this machine in the background', async () => {
    const source = systemAdmissionSource(50)
    await new Promise<void>((resolve) => {
      const off = source.onSample(() => {
        off()
        resolve()
      })
    })
    const sample = source.sample()
    source.stop()
    expect(sample.load).toBeGreaterThanOrEqual(0)
    const total = Number(/^MemTotal:\s+(\d+)/m.exec(await readFile('/proc/meminfo', 'utf8'))![1]) * 1024
    expect(sample.freeBytes).toBeGreaterThan(0)
    expect(sample.freeBytes).toBeLessThanOrEqual(total)
  })
})

describe('StartPacer', () => {
  it('spaces starts by the delay', () => {
    const pacer = new StartPacer(100)
    expect(pacer.due(1000)).toBe(true)
    pacer.take(1000)
    expect(pacer.due(1050)).toBe(false)
    expect(pacer.nextAt()).toBe(1100)
    expect(pacer.due(1100)).toBe(true)
  })
})

describe('sizes and durations as GNU parallel writes them', () => {
  it('K M G are 1024-based, k m g 1000-based', () => {
    expect(parseSize('1G')).toBe(GiB)
    expect(parseSize('1g')).toBe(1e9)
    expect(parseSize('2Gi')).toBe(2 * GiB)
    expect(parseSize('1.5k')).toBe(1500)
    expect(parseSize('4096')).toBe(4096)
    expect(parseSize('lots')).toBeNull()
  })
  it('a bare number is milliseconds; s, m, h, d are units', () => {
    expect(parseDuration('250')).toBe(250)
    expect(parseDuration('0.5s')).toBe(500)
    expect(parseDuration('2m')).toBe(120_000)
    expect(parseDuration('soon')).toBeNull()
  })
})
