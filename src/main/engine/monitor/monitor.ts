// The monitor's host side: starts the sampler thread (monitor-worker.ts, the one
// systeminformation poller), keeps the last sample for snapshots, fans samples out to
// listeners and owns the rate. A sampler that dies is restarted with backoff, so a broken
// /proc read never takes the meters down for good.
import { Worker } from 'node:worker_threads'
import type { MonitorSample } from '../../../shared/contract.ts'
import { DEFAULT_HZ, clampRate, type FromMonitor, type MonitorInit, type ToMonitor } from './protocol.ts'

export interface MonitorOptions {
  /** Samples per second, clamped to MIN_HZ..MAX_HZ. Default 4. */
  hz?: number
  /** The sampler entry; the Electron build passes its bundled monitor-worker.js. */
  workerEntry?: string | URL
  /** Told about sampler failures (at most once per failure streak). Default: console.error. */
  onError?: (message: string) => void
}

export interface Monitor {
  /** The most recent sample, or null before the first one. */
  last(): MonitorSample | null
  /** The rate in effect, samples per second. */
  rate(): number
  /** Changes the rate; returns the rate in effect after clamping. */
  setRate(hz: number): number
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
    const init: MonitorInit = { hz }
    const current = new Worker(entry, { workerData: init, name: 'corelane-monitor' })
    worker = current
    // The sampler alone must not keep a process alive (the CLI, a test that forgot close()).
    current.unref()
    current.on('message', (message: FromMonitor) => {
      if (message.t === 'error') return report(message.message)
      last = message.sample
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
