// Messages between the monitor's host side and its sampler thread, and the one rule for the
// sampling rate, so both sides clamp it the same way.
import type { MonitorSample } from '../../../shared/contract.ts'

/** Slowest rate worth drawing a live meter with. */
export const MIN_HZ = 0.5
/**
 * Fastest rate. systeminformation returns its cached sample for calls within 200 ms of the
 * previous one (faster polling would only repeat values), and each stream to the UI stays
 * at a few messages a second.
 */
export const MAX_HZ = 4
export const DEFAULT_HZ = 4

export function clampRate(hz: number): number {
  if (!Number.isFinite(hz)) return DEFAULT_HZ
  return Math.min(MAX_HZ, Math.max(MIN_HZ, hz))
}

export interface MonitorInit {
  hz: number
}

export type ToMonitor = { t: 'rate'; hz: number }

export type FromMonitor = { t: 'sample'; sample: MonitorSample } | { t: 'error'; message: string }
