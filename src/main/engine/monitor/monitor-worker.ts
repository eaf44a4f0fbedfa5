// The one sampler (a worker_threads entry). systeminformation's currentLoad() runs a
// synchronous shell command on Linux and keeps one previous sample per process, the process
// list reads hundreds of /proc files, and the sensors spawn shells: so all of it lives on its
// own thread, never on the engine's (or Electron's) main thread, and nowhere else.
// It posts one compact MonitorSample per tick (processes and hardware readings ride along at
// most once a second, or every few seconds for sensors) and the topology once; the host side
// (monitor.ts) owns the rate.
import { parentPort, workerData } from 'node:worker_threads'
import type { Systeminformation } from 'systeminformation'
import type { MonitorSample } from '../../../shared/contract.ts'
import type { HardwareSample } from '../../../shared/monitor.ts'
import {
  PROCESSES_EVERY_MS,
  SENSORS_EVERY_MS,
  clampRate,
  type FromMonitor,
  type MonitorInit,
  type ToMonitor,
} from './protocol.ts'
import { toFrequencies, toGpus, toTemperatures, toTopology } from '../../../shared/monitor-readings.ts'
import { liveSource, recordedSource } from './sources.ts'

if (!parentPort) throw new Error('monitor-worker must run as a worker thread')
const port = parentPort
const init = (workerData ?? {}) as Partial<MonitorInit>
const source = init.recording
  ? recordedSource(init.recording)
  : liveSource({ processSource: init.processSource, hostPid: init.hostPid ?? process.pid })
const wantProcesses = init.processes !== false
const wantHardware = init.hardware !== false

let periodMs = 1000 / clampRate(init.hz ?? NaN)
let timer: NodeJS.Timeout | null = null
let inFlight = false
/** When the last currentLoad() call started: the next one is due a period later. */
let lastCallAt = 0
let processesAt = 0
let sensorsAt = 0
/** The last sensor readings, sent with every hardware update until the next read. */
let sensors: Pick<HardwareSample, 'temperatureC' | 'coreTemperaturesC' | 'gpus'> = {
  temperatureC: null,
  coreTemperaturesC: null,
  gpus: null,
}
/** graphics() spawns lspci and friends: after one read that finds no GPU worth showing, stop asking. */
let gpusPresent = true

/** Percentages rounded to 0.1 keep messages small; bad values (first call, clock skew) become 0..100. */
function percent(value: number): number {
  if (!Number.isFinite(value)) return 0
  return Math.round(Math.min(100, Math.max(0, value)) * 10) / 10
}

function toSample(load: Systeminformation.CurrentLoadData, mem: Systeminformation.MemData): MonitorSample {
  return {
    at: Date.now(),
    cores: load.cpus.map((cpu) => percent(cpu.load)),
    total: percent(load.currentLoad),
    // `active` is memory held by programs; `used` would also count the page cache.
    memUsed: mem.active,
    memTotal: mem.total,
  }
}

function post(message: FromMonitor): void {
  port.postMessage(message)
}

async function readSensors(): Promise<void> {
  const [temperature, graphics] = await Promise.all([
    source.temperature().catch(() => null),
    gpusPresent ? source.graphics().catch(() => null) : Promise.resolve(null),
  ])
  const gpus = graphics ? toGpus(graphics) : null
  if (gpus === null) gpusPresent = false
  sensors = { ...(temperature ? toTemperatures(temperature) : { temperatureC: null, coreTemperaturesC: null }), gpus }
}

async function hardware(now: number): Promise<HardwareSample> {
  if (now - sensorsAt >= SENSORS_EVERY_MS) {
    sensorsAt = now
    await readSensors()
  }
  const speed = await source.speed().catch(() => null)
  return { at: Date.now(), frequenciesMhz: speed ? toFrequencies(speed, source.logical()) : null, ...sensors }
}

async function tick(): Promise<void> {
  timer = null
  inFlight = true
  lastCallAt = Date.now()
  try {
    const slow = lastCallAt - processesAt >= PROCESSES_EVERY_MS - periodMs / 2
    if (slow) processesAt = lastCallAt
    const [load, mem, processes, hw] = await Promise.all([
      source.load(),
      source.mem(),
      slow && wantProcesses ? source.processes() : undefined,
      slow && wantHardware ? hardware(lastCallAt) : undefined,
    ])
    const sample = toSample(load, mem)
    if (processes) sample.processes = processes
    if (hw) sample.hardware = hw
    post({ t: 'sample', sample })
  } catch (error) {
    post({ t: 'error', message: error instanceof Error ? error.message : String(error) })
  } finally {
    inFlight = false
    schedule()
  }
}

function schedule(): void {
  if (timer || inFlight) return
  timer = setTimeout(tick, Math.max(0, lastCallAt + periodMs - Date.now()))
}

port.on('message', (message: ToMonitor) => {
  if (message.t !== 'rate') return
  periodMs = 1000 / clampRate(message.hz)
  if (timer) clearTimeout(timer)
  timer = null
  schedule()
})

// currentLoad() measures from the previous call: the first one only primes it (its numbers
// would be averages since boot), so the first sample is posted one period later. The process
// reader primes the same way. The topology is read once, beside the samples (cpu() can take a
// while: it must not hold back the first sample).
void (async () => {
  try {
    lastCallAt = Date.now()
    await Promise.all([source.load(), wantProcesses ? source.processes() : null])
  } catch {
    // the first real tick reports the error
  }
  schedule()
})()
source
  .cpu()
  .then((cpu) => post({ t: 'topology', topology: toTopology(cpu, source.logical(), source.sysfs()) }))
  .catch((error: unknown) => post({ t: 'error', message: `reading the CPU's topology: ${(error as Error)?.message ?? error}` }))
