// The machine's recent past: a ring buffer of monitor samples (per-core load, total, memory)
// covering a bit more than two minutes at the fastest sampling rate, and the latest sample.
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { MonitorSample } from '../../../shared/contract.ts'
import { RingBuffer } from '../lib/ring-buffer.ts'

export const HISTORY_MS = 150_000
/** Enough for HISTORY_MS at the contract's fastest rate (20 Hz). */
const CAPACITY = (HISTORY_MS / 1000) * 20

export const useMonitorStore = defineStore('monitor', () => {
  const ring = markRaw(new RingBuffer<MonitorSample>(CAPACITY))
  const latest = shallowRef<MonitorSample | null>(null)
  const version = ref(0)
  const coreCount = computed(() => latest.value?.cores.length ?? 0)

  function push(sample: MonitorSample): void {
    const last = ring.last()
    if (last && sample.at <= last.at) return // duplicate or out of order
    ring.push(sample)
    latest.value = sample
    version.value++
  }

  function reset(sample: MonitorSample | null): void {
    ring.clear()
    latest.value = null
    if (sample) push(sample)
    else version.value++
  }

  /** Samples from the last `ms` milliseconds (relative to the newest), oldest first. */
  function recent(ms: number): MonitorSample[] {
    void version.value
    const newest = ring.last()
    if (!newest) return []
    const from = newest.at - ms
    return ring.tail((s) => s.at >= from)
  }

  return { latest, version, coreCount, push, reset, recent }
})
