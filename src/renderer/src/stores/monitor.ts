// The machine's recent past: a ring buffer of monitor samples (per-core load, total, memory)
// covering a bit more than two minutes at the fastest sampling rate, the latest sample, the
// newest process list and hardware readings (they ride on one sample a second), and the
// topology (asked for once). What the views draw moves only when a sample arrives, and not at
// all while the window is hidden: samples still go into the ring, and the views catch up in
// one step when it shows again (a hidden window costs no rendering).
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { MonitorSample } from '../../../shared/contract.ts'
import type { HardwareSample, ProcessesSample, Topology } from '../../../shared/monitor.ts'
import { call } from '../api/api.ts'
import { RingBuffer } from '../lib/ring-buffer.ts'

export const HISTORY_MS = 150_000
/** Enough for HISTORY_MS at the contract's fastest rate (20 Hz). */
const CAPACITY = (HISTORY_MS / 1000) * 20

const isHidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden'

export const useMonitorStore = defineStore('monitor', () => {
  const ring = markRaw(new RingBuffer<MonitorSample>(CAPACITY))
  const latest = shallowRef<MonitorSample | null>(null)
  const processes = shallowRef<ProcessesSample | null>(null)
  const hardware = shallowRef<HardwareSample | null>(null)
  const topology = shallowRef<Topology | null>(null)
  const version = ref(0)
  const coreCount = computed(() => latest.value?.cores.length ?? 0)
  /** A process whose cores the per-core view shows (one click in the processes panel), or null. */
  const focusPid = ref<number | null>(null)
  /** The core whose jobs are listed under the meters, or null. */
  const selectedCore = ref<number | null>(null)
  /** Samples that arrived while the window was hidden, not drawn yet. */
  let behind = false
  let newestProcesses: ProcessesSample | null = null
  let newestHardware: HardwareSample | null = null
  let askedTopology = false

  function show(): void {
    behind = false
    latest.value = ring.last() ?? null
    if (newestProcesses !== processes.value) processes.value = newestProcesses
    if (newestHardware !== hardware.value) hardware.value = newestHardware
    version.value++
  }

  if (typeof document !== 'undefined')
    document.addEventListener('visibilitychange', () => {
      if (!isHidden() && behind) show()
    })

  function push(sample: MonitorSample): void {
    const last = ring.last()
    if (last && sample.at <= last.at) return // duplicate or out of order
    ring.push(sample)
    if (sample.processes) newestProcesses = sample.processes
    if (sample.hardware) newestHardware = sample.hardware
    if (!topology.value && !askedTopology) void loadTopology()
    if (isHidden()) {
      behind = true
      return
    }
    show()
  }

  function reset(sample: MonitorSample | null): void {
    ring.clear()
    latest.value = null
    newestProcesses = sample?.processes ?? null
    newestHardware = sample?.hardware ?? null
    if (sample) push(sample)
    else version.value++
  }

  /** The topology is fixed while the engine runs: asked for once, again after a failure. */
  async function loadTopology(): Promise<void> {
    askedTopology = true
    try {
      const answer = await call('machine', {})
      if (answer.topology) topology.value = answer.topology
      else setTimeout(() => (askedTopology = false), 2000)
    } catch {
      setTimeout(() => (askedTopology = false), 5000)
    }
  }

  /** Samples from the last `ms` milliseconds (relative to the newest drawn), oldest first. */
  function recent(ms: number): MonitorSample[] {
    void version.value
    const newest = latest.value
    if (!newest) return []
    const from = newest.at - ms
    return ring.tail((s) => s.at >= from)
  }

  /** The focused process's CPU per core (from its threads), or null when none is focused or it is gone. */
  const focus = computed(() => {
    if (focusPid.value === null) return null
    const process = processes.value?.list.find((p) => p.pid === focusPid.value)
    if (!process) return { pid: focusPid.value, name: null, byCore: new Map<number, number>() }
    return { pid: process.pid, name: process.name, byCore: new Map(process.cores.map((c) => [c.core, c.cpuPercent])) }
  })

  return {
    latest,
    processes,
    hardware,
    topology,
    version,
    coreCount,
    focusPid,
    focus,
    selectedCore,
    push,
    reset,
    recent,
  }
})
