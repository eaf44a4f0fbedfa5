// The monitor's views in the real renderer (App with real stores, the host faked at its edge by
// fake-api.ts): I/O-lane jobs on no core (only the I/O worker's thread is shown, as a ring),
// what is on a core now, a process focused from the processes panel, hardware readings or
// "not available here", the heatmap for many cores, and nothing drawn while the window is
// hidden. The 16-core laptop, the 128-core server and the hybrid CPU come from recordings
// built from published captures of real machines (tests/engine/monitor/recorded/README.md
// says which fields were captured where and which were filled in), converted by the
// monitor's own functions.
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import JobCoreFrequency from '../../src/renderer/src/components/JobCoreFrequency.vue'
import {
  toFrequencies,
  toGpus,
  toTemperatures,
  toTopology,
  type CpuReading,
  type GraphicsReading,
  type SpeedReading,
  type SysfsTopology,
  type TemperatureReading,
} from '../../src/shared/monitor-readings.ts'
import type { MonitorSample } from '../../src/shared/contract.ts'
import type { HardwareSample, ProcessInfo, Topology } from '../../src/shared/monitor.ts'
import { useMonitorStore } from '../../src/renderer/src/stores/monitor.ts'
import { createFakeApi, makeJob, makeSample, makeSnapshot, makeWorker } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'
import laptopRecording from '../engine/monitor/recorded/laptop-16-cores-sensors-gpu.json'
import serverRecording from '../engine/monitor/recorded/server-128-cores.json'
import hybridRecording from '../engine/monitor/recorded/hybrid-topology-16-cores.json'

/** The fields of a recorded machine (src/main/engine/monitor/sources.ts RecordedMachine) these views need. */
interface RecordedMachine {
  cpu: CpuReading
  currentLoad: { cpus: { load: number }[] }
  cpuCurrentSpeed: SpeedReading
  cpuTemperature: TemperatureReading
  graphics: GraphicsReading
  sysfs: SysfsTopology | null
}

const RECORDINGS: Record<string, unknown> = {
  'laptop-16-cores-sensors-gpu.json': laptopRecording,
  'server-128-cores.json': serverRecording,
}
const recorded = (name: string) => RECORDINGS[name] as RecordedMachine

function machineOf(m: RecordedMachine, at = Date.now()): { sample: MonitorSample; topology: Topology } {
  const n = m.currentLoad.cpus.length
  const hardware: HardwareSample = {
    at,
    frequenciesMhz: toFrequencies(m.cpuCurrentSpeed, n),
    ...toTemperatures(m.cpuTemperature),
    gpus: toGpus(m.graphics),
  }
  return {
    sample: {
      ...makeSample(
        at,
        m.currentLoad.cpus.map((c) => c.load),
      ),
      hardware,
    },
    topology: toTopology(m.cpu, n, m.sysfs),
  }
}

function proc(pid: number, patch: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    name: `p${pid}`,
    user: 'ana',
    cpuPercent: 1,
    memBytes: 1 << 20,
    core: 0,
    cores: [],
    threads: 1,
    ppid: 1,
    corelane: null,
    ...patch,
  }
}

// happy-dom does no layout: give the job table's scroller a viewport so the virtualizer renders rows.
beforeAll(() => {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight')
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      if (this.dataset.testid === 'job-scroller') return 600
      return original?.get?.call(this) ?? 0
    },
  })
})

afterEach(() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' })
})

describe('monitor views', () => {
  it('shows I/O-lane jobs on no core: the I/O thread as a ring, CPU jobs as dots, and lists what is on a core', async () => {
    const start = Date.now()
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [
          makeJob(1, { state: 'running', lane: 'cpu', kind: 'primes', name: 'primes', workerId: 7, startedAt: start }),
          makeJob(2, { state: 'running', lane: 'io', workerId: 9, startedAt: start }),
          makeJob(3, { state: 'running', lane: 'io', workerId: 9, startedAt: start }),
          makeJob(4, { state: 'running', lane: 'io', workerId: 9, startedAt: start }),
        ],
        workers: [
          makeWorker(7, { state: 'busy', jobIds: [1], core: 0 }),
          makeWorker(9, { state: 'busy', lane: 'io', jobIds: [2, 3, 4], core: 1 }),
        ],
      }),
    )
    const { wrapper } = await mountConnected(App, fake)
    const meters = wrapper.findAll('[data-testid="core-meter"]')
    expect(meters[0]!.findAll('[data-testid="core-jobs-dots"] i')).toHaveLength(1)
    expect(meters[1]!.findAll('[data-testid="core-jobs-dots"] i')).toHaveLength(0)
    expect(meters[1]!.findAll('[data-testid="core-io-thread"]')).toHaveLength(1)
    expect(meters[1]!.attributes('title')).toContain('3 jobs waiting, on no core')
    // The job table: the CPU job is on core 0; the I/O jobs on none.
    const cores = wrapper.findAll('[data-testid="job-core"]').map((c) => c.text())
    expect(cores.filter((c) => c === '0')).toHaveLength(1)
    expect(cores.filter((c) => c === '1')).toHaveLength(0)

    await meters[1]!.trigger('click')
    const list = wrapper.get('[data-testid="core-jobs"]')
    expect(list.attributes('data-core')).toBe('1')
    expect(list.findAll('[data-testid="core-job"]')).toHaveLength(0)
    expect(list.get('[data-testid="core-job-io"]').text()).toContain('3 jobs waiting on I/O (on no core)')
    await meters[0]!.trigger('click')
    expect(wrapper.get('[data-testid="core-jobs"]').get('[data-testid="core-job"]').text()).toContain('#1 primes')
  })

  it('lists processes sortable, marks Corelane, and focuses the per-core view on one', async () => {
    const sample: MonitorSample = {
      ...makeSample(Date.now(), [60, 20, 5, 90]),
      processes: {
        at: Date.now(),
        total: 212,
        source: 'proc',
        list: [
          proc(10, { name: 'corelane', cpuPercent: 12, corelane: 'host', memBytes: 300 << 20 }),
          proc(11, {
            name: 'node',
            cpuPercent: 150,
            corelane: 'worker',
            cores: [
              { core: 0, cpuPercent: 60 },
              { core: 3, cpuPercent: 90 },
            ],
          }),
          proc(12, { name: 'firefox', cpuPercent: 40, memBytes: 900 << 20 }),
        ],
      },
    }
    const { wrapper } = await mountConnected(App, createFakeApi(makeSnapshot({ monitor: sample })))
    await wrapper.get('[data-testid="tab-processes"]').trigger('click')
    const pids = () => wrapper.findAll('[data-testid="process-row"]').map((r) => r.attributes('data-pid'))
    expect(pids()).toEqual(['11', '12', '10'])
    expect(wrapper.findAll('[data-testid="process-row"]').map((r) => r.attributes('data-corelane'))).toEqual([
      'worker',
      '',
      'host',
    ])
    await wrapper.get('[data-testid="sort-memBytes"]').trigger('click')
    expect(pids()).toEqual(['12', '10', '11'])
    await wrapper.get('[data-testid="sort-name"]').trigger('click')
    expect(pids()).toEqual(['10', '12', '11'])

    await wrapper.get('[data-testid="process-row"][data-pid="11"]').trigger('click')
    expect(wrapper.get('[data-testid="core-focus"]').text()).toContain('node')
    const focus = wrapper.findAll('[data-testid="core-meter"]').map((m) => m.attributes('data-focus-load'))
    expect(focus).toEqual(['60', '0', '0', '90'])
    await wrapper.get('[data-testid="core-focus-clear"]').trigger('click')
    expect(wrapper.find('[data-testid="core-focus"]').exists()).toBe(false)
  })

  it("shows a real laptop's readings (i7-11800H with the GTX 1650 capture): per-core clocks, package and core temperatures, the GPU with what it lacks", async () => {
    const { sample, topology } = machineOf(recorded('laptop-16-cores-sensors-gpu.json'))
    const fake = createFakeApi(makeSnapshot({ monitor: sample }))
    fake.handle('machine', () => ({ topology, processes: null, hardware: sample.hardware! }))
    const { wrapper } = await mountConnected(App, fake)
    await flushPromises()
    // 16 cores: still bars; one kind of core, so no P/E marks.
    expect(wrapper.find('[data-testid="core-heatmap"]').exists()).toBe(false)
    const meters = wrapper.findAll('[data-testid="core-meter"]')
    expect(meters).toHaveLength(16)
    expect(meters.map((m) => m.attributes('data-load')).slice(12, 15)).toEqual(['0', '0', '12'])
    await wrapper.get('[data-testid="tab-hardware"]').trigger('click')
    const panel = wrapper.get('[data-testid="hardware-panel"]')
    expect(panel.get('[data-testid="hw-topology"]').text()).toContain(
      'Intel Core™ i7-11800H: 16 logical cores on 8 physical; 2 threads per core; one kind of core',
    )
    const clocks = panel.findAll('[data-testid="hw-frequency"] li').map((li) => li.text().replace(/\s+/g, ' '))
    expect(clocks[0]).toBe('0 2.30 GHz')
    expect(clocks[7]).toBe('7 800 MHz')
    const temperature = panel.get('[data-testid="hw-temperature"]').text()
    expect(temperature).toContain('46 °C')
    expect(temperature).toContain('44° 45° 44° 48° 46° 45° 48° 45°')
    const gpu = panel.get('[data-testid="hw-gpu-row"]').text()
    expect(gpu).toContain('NVIDIA GeForce GTX 1650')
    expect(gpu).toContain('not available here') // nvidia-smi gave no utilization on that laptop
    expect(gpu).toContain('134 MiB / 4.0 GiB')
    expect(gpu).toContain('48 °C')
    expect(gpu).toContain('1.8 W')
    expect(panel.findAll('[data-testid="hw-gpu-row"]')).toHaveLength(1) // the UHD Graphics reports nothing live
    expect(panel.findAll('[data-testid="hw-na"]')).toHaveLength(0)
  })

  it('marks P- and E-cores of a real hybrid CPU (i5-12600K cpu() output) with its SMT siblings', async () => {
    const m = hybridRecording as unknown as Pick<RecordedMachine, 'cpu' | 'sysfs'>
    const topology = toTopology(m.cpu, 16, m.sysfs)
    const sample = makeSample(Date.now(), Array<number>(16).fill(20))
    const fake = createFakeApi(makeSnapshot({ monitor: sample }))
    fake.handle('machine', () => ({ topology, processes: null, hardware: null }))
    const { wrapper } = await mountConnected(App, fake)
    await flushPromises()
    const meters = wrapper.findAll('[data-testid="core-meter"]')
    expect(meters).toHaveLength(16)
    expect(meters[11]!.text()).toMatch(/^11P/)
    expect(meters[12]!.text()).toMatch(/^12E/)
    await wrapper.get('[data-testid="tab-hardware"]').trigger('click')
    const panel = wrapper.get('[data-testid="hardware-panel"]')
    expect(panel.get('[data-testid="hw-topology"]').text()).toContain(
      '16 logical cores on 10 physical; 2 threads per core; 6 performance + 4 efficiency cores',
    )
    expect(
      panel
        .findAll('[data-testid="hw-sibling-group"]')
        .map((g) => g.text())
        .slice(4, 7),
    ).toEqual(['8+9', '10+11', '12'])
  })

  it('says "not available here" for what this kind of machine does not report, never zeros', async () => {
    const sample: MonitorSample = {
      ...makeSample(Date.now(), [5, 7]),
      hardware: { at: Date.now(), frequenciesMhz: null, temperatureC: null, coreTemperaturesC: null, gpus: null },
    }
    const { wrapper } = await mountConnected(App, createFakeApi(makeSnapshot({ monitor: sample })))
    await wrapper.get('[data-testid="tab-hardware"]').trigger('click')
    const na = wrapper.findAll('[data-testid="hw-na"]').map((n) => n.text())
    expect(na).toHaveLength(3)
    for (const text of na) expect(text).toMatch(/^not available here/)
    expect(wrapper.get('[data-testid="hardware-panel"]').text()).not.toMatch(/\b0 (MHz|GHz|°C)/)
  })

  it('draws 128 cores (the dual EPYC 7601 recording) as a heatmap with SMT siblings together, the chart the busiest', async () => {
    const { sample, topology } = machineOf(recorded('server-128-cores.json'))
    const fake = createFakeApi(makeSnapshot({ monitor: sample }))
    fake.handle('machine', () => ({ topology, processes: null, hardware: sample.hardware! }))
    const { wrapper } = await mountConnected(App, fake)
    await flushPromises()
    expect(wrapper.findAll('[data-testid="core-meter"]')).toHaveLength(0)
    const heatmap = wrapper.get('[data-testid="core-heatmap"]')
    const cells = heatmap.findAll('[data-testid="core-cell"]')
    expect(cells).toHaveLength(128)
    expect(cells.slice(0, 4).map((c) => c.attributes('data-core'))).toEqual(['0', '64', '1', '65'])
    expect(heatmap.text()).toContain('128 logical cores on 64 physical (SMT 2)')
    const legend = wrapper.get('[data-testid="core-history-legend"]')
    expect(legend.text()).toContain('the 8 busiest of 128 cores')
    // The busy build runs on cores 0-23 (and their siblings 64-87).
    const shown = [...legend.attributes('title')!.matchAll(/CPU (\d+)/g)].map((m) => Number(m[1]))
    expect(shown).toHaveLength(8)
    for (const core of shown) expect(core % 64).toBeLessThan(24)
    await cells[1]!.trigger('click')
    expect(wrapper.get('[data-testid="core-jobs"]').attributes('data-core')).toBe('64')
  })

  it('switches from bars to the heatmap at 32 logical cores, and at 256 keeps every core a cell, smaller', async () => {
    const loads = (n: number) => Array.from({ length: n }, (_, i) => (i * 37) % 100)
    const mountWith = async (n: number) => {
      const { wrapper } = await mountConnected(App, createFakeApi(makeSnapshot({ monitor: makeSample(Date.now(), loads(n)) })))
      await flushPromises()
      return wrapper
    }
    const at31 = await mountWith(31)
    expect(at31.findAll('[data-testid="core-meter"]')).toHaveLength(31)
    expect(at31.find('[data-testid="core-heatmap"]').exists()).toBe(false)
    at31.unmount()
    const at32 = await mountWith(32)
    expect(at32.findAll('[data-testid="core-meter"]')).toHaveLength(0)
    expect(at32.get('[data-testid="core-heatmap"]').findAll('[data-testid="core-cell"]')).toHaveLength(32)
    expect(at32.get('[data-testid="core-heatmap"] ol').classes()).not.toContain('tiny')
    at32.unmount()
    const at256 = await mountWith(256)
    const heatmap = at256.get('[data-testid="core-heatmap"]')
    const cells = heatmap.findAll('[data-testid="core-cell"]')
    expect(cells).toHaveLength(256)
    expect(cells.at(-1)!.attributes('data-core')).toBe('255')
    expect(cells.at(-1)!.attributes('data-load')).toBe(String((255 * 37) % 100))
    expect(heatmap.get('ol').classes()).toContain('tiny')
    expect(heatmap.text()).toContain('256 logical cores')
    expect(at256.get('[data-testid="core-history-legend"]').text()).toContain('the 8 busiest of 256 cores')
  })

  it('draws nothing while the window is hidden, and catches up when it shows', async () => {
    const at = Date.now()
    const fake = createFakeApi(makeSnapshot({ monitor: makeSample(at, [10, 10]) }))
    const { wrapper } = await mountConnected(App, fake)
    const loads = () => wrapper.findAll('[data-testid="core-meter"]').map((m) => m.attributes('data-load'))
    expect(loads()).toEqual(['10', '10'])
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
    fake.emit('monitor', makeSample(at + 250, [80, 90]))
    await flushPromises()
    expect(loads()).toEqual(['10', '10'])
    expect(useMonitorStore().version).toBeGreaterThan(0)
    const version = useMonitorStore().version
    fake.emit('monitor', makeSample(at + 500, [70, 60]))
    await flushPromises()
    expect(useMonitorStore().version).toBe(version)
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' })
    document.dispatchEvent(new Event('visibilitychange'))
    await flushPromises()
    expect(loads()).toEqual(['70', '60'])
  })
})

describe('the fake host answers the monitor like the real one', () => {
  it('gives the topology on the first ask, so the monitor store does not retry', async () => {
    const fake = createFakeApi()
    await mountConnected(App, fake)
    fake.emit('monitor', makeSample(Date.now() + 250, [1, 2, 3, 4]))
    await flushPromises()
    expect(useMonitorStore().topology?.logical).toBe(4)
    expect(fake.callsOf('machine')).toHaveLength(1)
  })
})

describe('JobCoreFrequency (for the job details panel)', () => {
  it("asks for the job's window and cores, and shows each core's clock, or why nothing is known", async () => {
    const fake = createFakeApi()
    fake.handle('coreFrequencies', ({ from, to, cores }) => ({
      from,
      to,
      samples: 3,
      note: null,
      cores: (cores ?? []).map((core) => ({ core, meanMhz: 3420, minMhz: 3100, maxMhz: 3600 })),
    }))
    const { pinia } = await mountConnected(App, fake)
    const wrapper = mount(JobCoreFrequency, { props: { from: 1000, to: 5000, cores: [1, 3] }, global: { plugins: [pinia] } })
    await flushPromises()
    expect(fake.callsOf('coreFrequencies')).toEqual([{ from: 1000, to: 5000, cores: [1, 3] }])
    const rows = wrapper.findAll('[data-testid="job-core-frequency-row"]').map((r) => r.text().replace(/\s+/g, ' '))
    expect(rows).toEqual(['CPU 1: 3.42 GHz (3.10 GHz–3.60 GHz)', 'CPU 3: 3.42 GHz (3.10 GHz–3.60 GHz)'])
    fake.handle('coreFrequencies', ({ from, to }) => ({
      from,
      to,
      samples: 0,
      note: 'frequencies are not available here',
      cores: [],
    }))
    await wrapper.setProps({ from: 2000 })
    await flushPromises()
    expect(wrapper.get('[data-testid="job-core-frequency-note"]').text()).toBe(
      'Core frequency: frequencies are not available here',
    )
    wrapper.unmount()
  })

  it('on the fake host as on this VM: every asked core, and the sentence instead of numbers', async () => {
    const fake = createFakeApi()
    const { pinia } = await mountConnected(App, fake)
    const wrapper = mount(JobCoreFrequency, { props: { from: 1000, to: 5000, cores: [0, 2] }, global: { plugins: [pinia] } })
    await flushPromises()
    expect(wrapper.get('[data-testid="job-core-frequency-note"]').text()).toBe(
      'Core frequency: frequencies are not available here',
    )
    wrapper.unmount()
  })
})
