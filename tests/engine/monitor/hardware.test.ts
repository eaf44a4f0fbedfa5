// Hardware readings and topology: from RECORDED-STYLE systeminformation outputs of a 16-core
// laptop with sensors and a GPU and of a 128-core server (hand-made in the library's output
// shape, not captured here: see recorded/README.md), through the pure conversions and through
// the real sampler thread replaying them; and on this machine, where whatever the OS does not
// report must come out as null ("not available here"), never as zeros.
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { startMonitor, type Monitor } from '../../../src/main/engine/index.ts'
import { parseCpuList } from '../../../src/main/engine/monitor/si-readings.ts'
import { toFrequencies, toGpus, toTemperatures, toTopology } from '../../../src/shared/monitor-readings.ts'
import type { RecordedMachine } from '../../../src/main/engine/monitor/sources.ts'
import type { MonitorSample } from '../../../src/shared/contract.ts'
import { formatMhz } from '../../../src/shared/monitor.ts'

const LAPTOP = new URL('./recorded/laptop-16-cores-sensors-gpu.json', import.meta.url).pathname
const SERVER = new URL('./recorded/server-128-cores.json', import.meta.url).pathname
const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RecordedMachine

let monitor: Monitor | null = null
afterEach(async () => {
  await monitor?.close()
  monitor = null
})

function firstWith(m: Monitor, has: (s: MonitorSample) => boolean): Promise<MonitorSample> {
  return new Promise((resolve) => {
    const off = m.onSample((s) => {
      if (!has(s)) return
      off()
      resolve(s)
    })
  })
}

describe('recorded machines (hand-made recordings of systeminformation output)', () => {
  it('laptop: per-core MHz, package and per-core temperatures, the NVIDIA GPU only, P-cores with SMT and E-cores', () => {
    const m = load(LAPTOP)
    expect(m.note).toMatch(/HAND-MADE RECORDING/)
    const mhz = toFrequencies(m.cpuCurrentSpeed, 16)!
    expect(mhz).toHaveLength(16)
    expect(mhz[0]).toBe(4610)
    expect(mhz[10]).toBe(1120)
    expect(toTemperatures(m.cpuTemperature)).toEqual({
      temperatureC: 71,
      coreTemperaturesC: [74, 73, 78, 69, 62, 62, 62, 62, 61, 61, 61, 61],
    })
    // The Iris Xe lists a model and VRAM only: nothing to monitor. The NVIDIA GPU reports readings.
    expect(toGpus(m.graphics)).toEqual([
      {
        model: 'NVIDIA GeForce RTX 3050 Laptop GPU',
        vendor: 'NVIDIA Corporation',
        utilizationPercent: 37,
        memUsedBytes: 1210 * 2 ** 20,
        memTotalBytes: 4096 * 2 ** 20,
        temperatureC: 58,
        powerW: 21.4,
      },
    ])
    const topology = toTopology(m.cpu, 16, m.sysfs)
    expect(topology.logical).toBe(16)
    expect(topology.physical).toBe(12)
    expect(topology.siblings.slice(0, 5)).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], [8]])
    expect(topology.coreTypes!.filter((t) => t === 'performance')).toHaveLength(8)
    expect(topology.coreTypes![12]).toBe('efficiency')
    expect([topology.performanceCores, topology.efficiencyCores]).toEqual([4, 8])
  })

  it('server: 128 cores with their SMT siblings 64 apart, package temperature only, no GPU', () => {
    const m = load(SERVER)
    expect(m.note).toMatch(/HAND-MADE RECORDING/)
    expect(toFrequencies(m.cpuCurrentSpeed, 128)).toHaveLength(128)
    expect(toTemperatures(m.cpuTemperature)).toEqual({ temperatureC: 63.4, coreTemperaturesC: null })
    expect(toGpus(m.graphics)).toBeNull() // the BMC's display adapter is no GPU
    const topology = toTopology(m.cpu, 128, m.sysfs)
    expect(topology.physical).toBe(64)
    expect(topology.siblings[0]).toEqual([0, 64])
    expect(topology.siblings[63]).toEqual([63, 127])
    expect(topology.coreTypes).toBeNull()
    expect(topology.efficiencyCores).toBeNull()
  })

  it('without sysfs, pairs logical cores by the SMT ratio cpu() reports; parses sysfs CPU lists', () => {
    const m = load(SERVER)
    const topology = toTopology(m.cpu, 128, null)
    expect(topology.physical).toBe(64)
    expect(topology.siblings[1]).toEqual([2, 3])
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11])
  })

  it('replays the 128-core server in the real sampler thread: every core, moving loads, readings, topology, frequencies for a window', async () => {
    monitor = startMonitor({ hz: 4, recording: SERVER })
    const first = await firstWith(monitor, (s) => !!s.hardware && !!s.processes)
    expect(first.cores).toHaveLength(128)
    expect(first.memTotal).toBe(512 * 2 ** 30)
    expect(first.hardware!.frequenciesMhz).toHaveLength(128)
    expect(first.hardware!.temperatureC).toBe(63.4)
    expect(first.hardware!.gpus).toBeNull()
    expect(first.processes!.list[0]!.name).toBe('cc1plus')
    const next = await firstWith(monitor, (s) => s.at > first.at)
    expect(next.cores).not.toEqual(first.cores) // a replay moves like a live machine
    expect(monitor.machine().topology?.siblings[0]).toEqual([0, 64])
    await firstWith(monitor, (s) => !!s.hardware && s.at > first.at)
    const report = monitor.frequencies(first.at - 1000, Date.now(), [0, 50])
    expect(report.note).toBeNull()
    expect(report.samples).toBeGreaterThanOrEqual(2)
    // The build runs on cores 0-23 at boost clocks; core 50 idles at its base clock.
    expect(report.cores[0]!.meanMhz).toBeGreaterThan(3000)
    expect(report.cores[1]!.meanMhz).toBeLessThan(2000)
  })
})

describe('this machine', () => {
  it('reports its topology and, for each reading, a real value or null: never a zero', async () => {
    monitor = startMonitor({ hz: 4 })
    const sample = await firstWith(monitor, (s) => !!s.hardware)
    const hw = sample.hardware!
    if (hw.frequenciesMhz) for (const mhz of hw.frequenciesMhz) expect(mhz === null || mhz > 0).toBe(true)
    if (hw.temperatureC !== null) expect(hw.temperatureC).toBeGreaterThan(0)
    if (hw.gpus) expect(hw.gpus.length).toBeGreaterThan(0)
    const topology = monitor.machine().topology!
    expect(topology.logical).toBe(cpus().length)
    expect(topology.siblings.flat().sort((a, b) => a - b)).toEqual(cpus().map((_, i) => i))
    expect(topology.physical).toBeLessThanOrEqual(topology.logical)
    const report = monitor.frequencies(sample.at - 1000, Date.now())
    expect(report.cores).toHaveLength(cpus().length)
    // Where the OS gives no frequency (this virtual machine), the report says so in words.
    if (!hw.frequenciesMhz) {
      expect(report.note).toBe('frequencies are not available here')
      expect(formatMhz(report.cores[0]!.meanMhz)).toBe('not available here')
    }
  })
})
