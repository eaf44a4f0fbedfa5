// The monitor's host side: starts the sampler thread (monitor-worker.ts, the one
// systeminformation poller), keeps the last sample (and the last process list, hardware
// readings and topology) for snapshots, keeps an hour of per-core frequencies for job details,
// fans samples out to listeners and owns the rate. A sampler that dies is restarted with backoff, so a broken
// /proc read never takes the meters down for good.
import { Worker } from 'node:worker_threads'
import type { MonitorSample } from '../../../shared/contract.ts'
import type { CoreFrequencyReport, HardwareSample, ProcessesSample, Topology } from '../../../shared/monitor.ts'
import { FrequencyLog } from './frequency-log.ts'
import { DEFAULT_HZ, clampRate, type FromMonitor, type MonitorInit, type ToMonitor } from './protocol.ts'

export interface MonitorOptions {
  /** Samples per second, clamped to MIN_HZ..MAX_HZ. Default 4. */
  hz?: number
  /** The sampler entry; the Electron build passes its bundled monitor-worker.js. */
  workerEntry?: string | URL
  /** Told about sampler failures (at most once per failure streak). Default: console.error. */
  onError?: (message: string) => void
  /** Sample the top processes (default true). */
  processes?: boolean
  /** How: /proc (Linux default) or systeminformation.processes(). */
  processSource?: MonitorInit['processSource']
  /** Frequencies, temperatures, GPUs (default true). */
  hardware?: boolean
  /** Replay a recorded machine (a RecordedMachine JSON file) instead of sampling this one. */
  recording?: string
}

export interface Monitor {
  /** The most recent sample, or null before the first one. */
  last(): MonitorSample | null
  /** The rate in effect, samples per second. */
  rate(): number
  /** Changes the rate; returns the rate in effect after clamping. */
  setRate(hz: number): number
  /** The newest process list, hardware readings and topology (null until known). */
  machine(): { processes: ProcessesSample | null; hardware: HardwareSample | null; topology: Topology | null }
  /** Per-core frequency over a time window (a job's run), where the machine reports it. */
  frequencies(from: number, to: number, cores?: number[]): CoreFrequencyReport
  onSample(listener: (sample: MonitorSample) => void): () => void
  close(): Promise<void>
}

const MAX_RESTART_DELAY_MS = 30_000

export function startMonitor(options: MonitorOptions = {}): Monitor {
  const entry = options.workerEntry ?? new URL('./monitor-worker.ts', import.meta.url)
  const onError = options.onError ?? ((message: string) => console.error(`corelane monitor: ${message}`))
  const listeners = new Set<(sample: MonitorSample) => void>()
  let hz = clampRate(options.hz ?? DEFAULT_HZ)
  let last: MonitorSample | null = null
  let processes: ProcessesSample | null = null
  let hardware: HardwareSample | null = null
  let topology: Topology | null = null
  const frequencyLog = new FrequencyLog()
  let worker: Worker | null = null
  let closed = false
  let restartDelay = 1000
  let restartTimer: NodeJS.Timeout | null = null
  let reported = false

  function report(message: string): void {
    if (reported) return
    reported = true
    onError(message)
  }

  function start(): void {
    restartTimer = null
    const init: MonitorInit = {
      hz,
      hostPid: process.pid,
      processes: options.processes,
      processSource: options.processSource,
      hardware: options.hardware,
      recording: options.recording,
    }
    const current = new Worker(entry, { workerData: init, name: 'corelane-monitor' })
    worker = current
    // The sampler alone must not keep a process alive (the CLI, a test that forgot close()).
    current.unref()
    current.on('message', (message: FromMonitor) => {
      if (message.t === 'error') return report(message.message)
      if (message.t === 'topology') {
        topology = message.topology
        return
      }
      last = message.sample
      if (message.sample.processes) processes = message.sample.processes
      if (message.sample.hardware) {
        hardware = message.sample.hardware
        frequencyLog.add(hardware)
      }
      reported = false
      restartDelay = 1000
      for (const listener of listeners) {
        try {
          listener(message.sample)
        } catch (error) {
          console.error('corelane monitor: a sample listener failed', error)
        }
      }
    })
    current.on('error', (error) => report(`the sampler crashed: ${error.message}`))
    current.on('exit', (code) => {
      if (worker === current) worker = null
      if (closed) return
      report(`the sampler stopped (exit code ${code}); restarting in ${restartDelay / 1000} s`)
      restartTimer = setTimeout(start, restartDelay)
      restartTimer.unref()
      restartDelay = Math.min(MAX_RESTART_DELAY_MS, restartDelay * 2)
    })
  }

  start()

  return {
    last: () => last,
    rate: () => hz,
    machine: () => ({ processes, hardware, topology }),
    frequencies: (from, to, cores) =>
      frequencyLog.report(from, to, cores ?? Array.from({ length: last?.cores.length ?? 0 }, (_, i) => i)),
    setRate(next) {
      hz = clampRate(next)
      const message: ToMonitor = { t: 'rate', hz }
      worker?.postMessage(message)
      return hz
    },
    onSample(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      if (restartTimer) clearTimeout(restartTimer)
      const current = worker
      worker = null
      if (current) await current.terminate()
    },
  }
}
