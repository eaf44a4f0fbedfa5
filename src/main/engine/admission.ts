// Admission: GNU parallel's --load and --memfree as a yes/no for the next job to start, and
// which running job to give back when memory runs short. Pure: the load and memory figures
// come from an AdmissionSource (admission-source.ts reads the machine; tests inject one).
import type { Lane } from '../../shared/job.ts'

/** The latest reading of the machine; null where a figure is unknown (it then admits). */
export interface AdmissionSample {
  /** Runnable threads now, as GNU parallel's --load counts them (not the 1-minute average). */
  load: number | null
  /** Free memory in bytes, as GNU parallel's --memfree counts it. */
  freeBytes: number | null
}

export interface AdmissionSource {
  /** The latest sample (sources refresh in the background, so this never waits). */
  sample(): AdmissionSample
  /** Called when a new sample arrives, so waiting jobs can be looked at again. */
  onSample(listener: () => void): () => void
  /**
   * False until the first reading has come in (the machine is read asynchronously), so a
   * batch's first job waits for it instead of starting unchecked. Absent: always read.
   */
  ready?(): boolean
  stop(): void
}

export interface AdmissionLimits {
  /** No new CPU-lane job while the load is at or above this (GNU parallel: --load). */
  maxLoad?: number
  /** No new job while free memory is below this many bytes (GNU parallel: --memfree). */
  memFree?: number
}

export type AdmissionVerdict = { admit: true } | { admit: false; reason: string }

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`

/** May a job of this lane start now? The reason, when not, is shown on the waiting job. */
export function admit(lane: Lane, limits: AdmissionLimits, sample: AdmissionSample): AdmissionVerdict {
  // I/O jobs spend their time waiting, so like GNU parallel's --load (which counts running
  // processes) the load limit is about CPU work only; memory is needed by every job.
  if (lane === 'cpu' && limits.maxLoad !== undefined && sample.load !== null && sample.load >= limits.maxLoad) {
    return { admit: false, reason: `waiting for the load to drop: ${sample.load} ≥ max-load ${limits.maxLoad}` }
  }
  if (limits.memFree !== undefined && sample.freeBytes !== null && sample.freeBytes < limits.memFree) {
    return { admit: false, reason: `waiting for memory: ${gib(sample.freeBytes)} free < mem-free ${gib(limits.memFree)}` }
  }
  return { admit: true }
}

/**
 * GNU parallel's rule for --memfree: when free memory falls below half the limit, the
 * youngest running job (the last to start) is killed and put back in the queue. One at a
 * time: the next sample says whether that was enough.
 */
export function youngestToRequeue<J extends { id: number; startedAt: number }>(
  limits: AdmissionLimits,
  sample: AdmissionSample,
  running: Iterable<J>,
): J | null {
  if (limits.memFree === undefined || sample.freeBytes === null || sample.freeBytes >= limits.memFree / 2) return null
  let youngest: J | null = null
  for (const job of running) if (!youngest || job.startedAt > youngest.startedAt) youngest = job
  return youngest
}
