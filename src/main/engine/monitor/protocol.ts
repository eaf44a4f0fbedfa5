// Messages between the monitor's host side and its sampler thread, and the one rule for the
// sampling rate, so both sides clamp it the same way.
import type { MonitorSample } from '../../../shared/contract.ts'
import type { Topology } from '../../../shared/monitor.ts'

/** Slowest rate worth drawing a live meter with. */
export const MIN_HZ = 0.5
/**
 * Fastest rate. systeminformation returns its cached sample for calls within 200 ms of the
 * previous one (faster polling would only repeat values), and each stream to the UI stays
 * at a few messages a second.
 */
export const MAX_HZ = 4
export const DEFAULT_HZ = 4

/** Processes and frequencies: at most once a second (a process list is the costly read). */
export const PROCESSES_EVERY_MS = 1000
/** Temperatures and GPUs: systeminformation spawns shells (sensors, nvidia-smi) for them. */
export const SENSORS_EVERY_MS = 5000

export function clampRate(hz: number): number {
  if (!Number.isFinite(hz)) return DEFAULT_HZ
  return Math.min(MAX_HZ, Math.max(MIN_HZ, hz))
}

export interface MonitorInit {
  hz: number
  /** Sample the top processes (default true). */
  processes?: boolean
  /** How to read them; default: /proc on Linux, systeminformation elsewhere (the bench compares both). */
  processSource?: 'proc' | 'systeminformation'
  /** Frequencies, temperatures and GPUs (default true). */
  hardware?: boolean
  /** Replay this recorded machine (a RecordedMachine JSON file) instead of sampling this one. */
  recording?: string
  /** The engine's process: it and its descendants are marked as Corelane's. */
  hostPid: number
}

export type ToMonitor = { t: 'rate'; hz: number }

export type FromMonitor =
  { t: 'sample'; sample: MonitorSample } | { t: 'topology'; topology: Topology } | { t: 'error'; message: string }
