// Time-slicing shared by the kinds: CPU loops run in short slices and then give the worker's
// event loop a turn, so cancel and timeout messages are seen within milliseconds, and progress
// is reported once per slice rather than once per item.
import { throwIfAborted } from './context.ts'
import type { JobContext } from './context.ts'
import { yieldToLoop } from '../yield-to-loop.ts'

/** About how long a CPU loop may run before it yields (the brief is 10 to 20 ms). */
export const SLICE_MS = 15

export interface Pacer {
  /** True once the current slice has used its time: call `breathe` then. Cheap enough per chunk. */
  due(): boolean
  /** Reports progress, yields to the event loop, then throws if the job was stopped meanwhile. */
  breathe(fraction: number, note?: string): Promise<void>
}

export function pacer(ctx: JobContext, sliceMs = SLICE_MS): Pacer {
  let sliceStart = performance.now()
  return {
    due: () => performance.now() - sliceStart >= sliceMs,
    async breathe(fraction, note) {
      ctx.progress(fraction, note)
      await yieldToLoop()
      throwIfAborted(ctx.signal)
      sliceStart = performance.now()
    },
  }
}

/**
 * For streaming kinds, where the event loop already turns between chunks: lets a progress
 * report through at most every `everyMs`, so a flood of small chunks costs one call per interval.
 */
export function progressGate(ctx: JobContext, everyMs = 50): (fraction: number, note?: string) => void {
  let last = -Infinity
  return (fraction, note) => {
    const now = performance.now()
    if (now - last < everyMs) return
    last = now
    ctx.progress(Math.min(1, Math.max(0, fraction)), note)
  }
}

/** The error a stopped job ends with: what throwIfAborted throws, for callbacks that reject instead. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

/** Whatever a failed stream or fetch says, a stopped job ends with the reason it was stopped. */
export function rethrowIfAborted(signal: AbortSignal, err: unknown): never {
  throwIfAborted(signal)
  throw err
}

/** Bytes as a short human string for progress notes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
