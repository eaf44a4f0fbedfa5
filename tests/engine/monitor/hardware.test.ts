// Hardware readings and topology: from recordings built from PUBLISHED captures of real
// machines (recorded/README.md: a 16-logical-core i7-11800H notebook with sensors and the
// graphics() output of a GTX 1650 laptop; a dual EPYC 7601 server with 128 logical cores;
// the cpu() output of a hybrid i5-12600K; each recording's `source` names which fields were
// captured and which filled in), through the pure conversions and through the real sampler
// thread replaying them; and on this machine, where whatever the OS does not report must
// come out as null ("not available here"), never as zeros.
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
const HYBRID = new URL('./recorded/hybrid-topology-16-cores.json', import.meta.url).pathname
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

describe('recorded machines (built from published captures of real machines)', () => {
  it('each recording names its public sources and which fields were filled in', () => {
    for (const file of [LAPTOP, SERVER]) {
      const m = load(file)
      expect(m.note).toMatch(/^BUILT FROM (A )?PUBLISHED CAPTURES?/)
      for (const fn of ['cpu', 'currentLoad', 'cpuCurrentSpeed', 'cpuTemperature', 'graphics', 'mem', 'processes', 'sysfs'])
        expect(m.source[fn], `${file}: source.${fn}`).toHaveProperty('from')
    }
    const sources = (m: RecordedMachine) => JSON.stringify(m.source).match(/https:\/\/github\.com\/[^"\s)]+/g)
    expect(sources(load(LAPTOP))).toContain('https://github.com/AdnanHodzic/auto-cpufreq/issues/364')
    expect(sources(load(LAPTOP))).toContain('https://github.com/sebhildebrandt/systeminformation/issues/790')
    expect(sources(load(SERVER))).toContain('https://github.com/nviennot/core-to-core-latency/issues/106')
  })

  it('laptop (i7-11800H, 16 logical): the captured per-core MHz and temperatures, the GTX 1650 with total-minus-free memory, SMT pairs from cpu()', () => {
    const m = load(LAPTOP)
    const mhz = toFrequencies(m.cpuCurrentSpeed, 16)!
    expect(mhz).toHaveLength(16)
    expect(mhz[0]).toBe(2300)
    expect(mhz[7]).toBe(800) // the one core the capture caught at its lowest clock
    expect(toTemperatures(m.cpuTemperature)).toEqual({ temperatureC: 46, coreTemperaturesC: [44, 45, 44, 48, 46, 45, 48, 45] })
    // The UHD Graphics lists a model and VRAM only: nothing to monitor. The GTX 1650's
    // nvidia-smi gave no utilization and no "used": memory in use is total minus free.
    expect(toGpus(m.graphics)).toEqual([
      {
        model: 'NVIDIA GeForce GTX 1650',
        vendor: 'NVIDIA',
        utilizationPercent: null,
        memUsedBytes: (4096 - 3962) * 2 ** 20,
        memTotalBytes: 4096 * 2 ** 20,
        temperatureC: 48,
        powerW: 1.78,
      },
    ])
    // No sysfs in the capture: logical cores are paired by the 16/8 SMT ratio cpu() reports.
    const topology = toTopology(m.cpu, 16, m.sysfs)
    expect(topology.model).toBe('Intel Core™ i7-11800H')
    expect([topology.logical, topology.physical]).toEqual([16, 8])
    expect(topology.siblings.slice(0, 2)).toEqual([
      [0, 1],
      [2, 3],
    ])
    expect([topology.coreTypes, topology.performanceCores, topology.efficiencyCores]).toEqual([null, null, null])
  })

  it('hybrid i5-12600K: P-cores with SMT and E-cores from sysfs, their counts from sysfs where cpu() gives none', () => {
    const m = load(HYBRID)
    expect(m.cpu).not.toHaveProperty('efficiencyCores') // systeminformation 5.9 on Windows did not report them
    const topology = toTopology(m.cpu, 16, m.sysfs)
    expect(topology.model).toBe('12th Gen Intel® Core™ i5-12600K')
    expect(topology.physical).toBe(10)
    expect(topology.siblings.slice(4, 8)).toEqual([[8, 9], [10, 11], [12], [13]])
    expect(topology.coreTypes!.slice(10, 13)).toEqual(['performance', 'performance', 'efficiency'])
    expect([topology.performanceCores, topology.efficiencyCores]).toEqual([6, 4])
  })

  it('server (dual EPYC 7601): 128 cores with their SMT siblings 64 apart; no sensors and no GPU in the capture, so none', () => {
    const m = load(SERVER)
    expect(toFrequencies(m.cpuCurrentSpeed, 128)).toHaveLength(128)
    expect(toTemperatures(m.cpuTemperature)).toEqual({ temperatureC: null, coreTemperaturesC: null })
    expect(toGpus(m.graphics)).toBeNull()
    const topology = toTopology(m.cpu, 128, m.sysfs)
    expect(topology.model).toBe('AMD EPYC 7601 32-Core Processor')
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
    expect(first.hardware!.temperatureC).toBeNull()
    expect(first.hardware!.gpus).toBeNull()
    expect(first.processes!.list[0]!.name).toBe('cc1plus')
    const next = await firstWith(monitor, (s) => s.at > first.at)
    expect(next.cores).not.toEqual(first.cores) // a replay moves like a live machine
    expect(monitor.machine().topology?.siblings[0]).toEqual([0, 64])
    await firstWith(monitor, (s) => !!s.hardware && s.at > first.at)
    const report = monitor.frequencies(first.at - 1000, Date.now(), [0, 50])
    expect(report.note).toBeNull()
    expect(report.samples).toBeGreaterThanOrEqual(2)
    // The build runs on cores 0-23 at the top P-state (2.2 GHz); core 50 idles at the lowest (1.2 GHz).
    expect(report.cores[0]!.meanMhz).toBeGreaterThan(1900)
    expect(report.cores[1]!.meanMhz).toBeLessThan(1500)
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
