// The machine's load and free memory for admission (admission.ts), read as GNU parallel reads
// them, in the background so the engine's thread never waits on a file:
//   load  Linux: runnable threads from /proc/loadavg's 4th field, less the one reading it
//         (GNU parallel counts R and D threads with `ps`, less itself); elsewhere the
//         1-minute load average
//   free  Linux: MemFree + Buffers + Cached + SwapCached from /proc/meminfo (GNU parallel's
//         memfreescript); elsewhere os.freemem()
import { readFile } from 'node:fs/promises'
import { freemem, loadavg } from 'node:os'
import type { AdmissionSample, AdmissionSource } from './admission.ts'

const DEFAULT_INTERVAL_MS = 500

export function parseLoadavg(text: string): number | null {
  const runnable = /^\S+ \S+ \S+ (\d+)\//.exec(text)
  return runnable ? Math.max(0, Number(runnable[1]) - 1) : null
}

export function parseMeminfo(text: string): number | null {
  let kib = 0
  let found = false
  for (const match of text.matchAll(/^(MemFree|Buffers|Cached|SwapCached):\s+(\d+) kB/gm)) {
    kib += Number(match[2])
    found = true
  }
  return found ? kib * 1024 : null
}

async function read(): Promise<AdmissionSample> {
  if (process.platform !== 'linux') return { load: loadavg()[0] ?? null, freeBytes: freemem() }
  const [load, mem] = await Promise.all([
    readFile('/proc/loadavg', 'utf8').then(parseLoadavg, () => null),
    readFile('/proc/meminfo', 'utf8').then(parseMeminfo, () => null),
  ])
  return { load, freeBytes: mem }
}

/** Samples the machine every `intervalMs` while it is in use; the first sample comes at once. */
export function systemAdmissionSource(intervalMs = DEFAULT_INTERVAL_MS): AdmissionSource {
  let latest: AdmissionSample = { load: null, freeBytes: null }
  let ready = false
  const listeners = new Set<() => void>()
  let stopped = false
  let timer: NodeJS.Timeout | null = null
  const tick = async () => {
    latest = await read()
    ready = true
    if (stopped) return
    for (const listener of listeners) listener()
    timer = setTimeout(() => void tick(), intervalMs)
    timer.unref()
  }
  void tick()
  return {
    sample: () => latest,
    ready: () => ready,
    onSample(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
    },
  }
}
