// The one systeminformation poller (a worker_threads entry). systeminformation's currentLoad()
// runs a synchronous shell command on Linux and keeps one previous sample per process, so it
// lives on its own thread, never on the engine's (or Electron's) main thread, and nowhere else.
// It posts one compact MonitorSample per tick; the host side (monitor.ts) owns the rate.
import { parentPort, workerData } from 'node:worker_threads'
import si from 'systeminformation'
import type { Systeminformation } from 'systeminformation'
import type { MonitorSample } from '../../../shared/contract.ts'
import { clampRate, type FromMonitor, type MonitorInit, type ToMonitor } from './protocol.ts'

if (!parentPort) throw new Error('monitor-worker must run as a worker thread')
const port = parentPort

let periodMs = 1000 / clampRate((workerData as MonitorInit | undefined)?.hz ?? NaN)
let timer: NodeJS.Timeout | null = null
let inFlight = false
/** When the last currentLoad() call started: the next one is due a period later. */
let lastCallAt = 0

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

async function tick(): Promise<void> {
  timer = null
  inFlight = true
  lastCallAt = Date.now()
  try {
    const [load, mem] = await Promise.all([si.currentLoad(), si.mem()])
    post({ t: 'sample', sample: toSample(load, mem) })
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
// would be averages since boot), so the first sample is posted one period later.
void (async () => {
  try {
    lastCallAt = Date.now()
    await si.currentLoad()
  } catch {
    // the first real tick reports the error
  }
  schedule()
})()
