// The engine's limits (CPU slots, I/O jobs in flight, pinning) and its pause: how much a
// dispatch may start, and whether it may start anything. Every dispatch and the pool read them
// (`current`, `paused`: plain fields, as they are read per job); a change is followed by what it
// implies (the pool applies pinning, a dispatch, new stats), which the host does.
import type { EngineLimits, EngineStats, JobState } from '../../shared/job.ts'
import { placementNote, placementSupported } from './placement.ts'
import type { EngineOptions } from './types.ts'

export interface LimitsHost {
  /** The engine's job counts by state (for the stats). */
  counts(): Record<JobState, number>
  /** New limits: the pool retires or re-pins its workers to match (worker-pool.ts applyLimits). */
  apply(wasPinning: boolean): void
  /** Paused, resumed or new limits: a dispatch may now take more (or nothing), and the stats are due. */
  changed(): void
}

export class LimitsControl {
  /** Replaced whole on a change, never changed in place: a dispatch may hold the one it read. */
  current: EngineLimits
  /** Nothing new starts (running jobs go on). */
  paused: boolean
  private readonly cores: number
  private readonly host: LimitsHost

  constructor(
    options: Pick<EngineOptions, 'cpuSlots' | 'ioConcurrency' | 'pinning' | 'paused'>,
    cores: number,
    host: LimitsHost,
  ) {
    this.cores = cores
    this.host = host
    this.current = {
      cpuSlots: options.cpuSlots ?? cores,
      ioConcurrency: options.ioConcurrency ?? 1000,
      // Pinning where it cannot be done (off Linux) stays off; the stats say why (placementNote).
      pinning: (options.pinning ?? false) && placementSupported,
    }
    this.paused = options.paused ?? false
  }

  pause(): EngineStats {
    this.paused = true
    return this.changed()
  }

  resume(): EngineStats {
    this.paused = false
    return this.changed()
  }

  /** Changes the limits the patch names; the others stay. */
  set(patch: Partial<EngineLimits>): EngineStats {
    const was = this.current
    this.current = {
      cpuSlots: patch.cpuSlots ?? was.cpuSlots,
      ioConcurrency: patch.ioConcurrency ?? was.ioConcurrency,
      pinning: (patch.pinning ?? was.pinning) && placementSupported,
    }
    this.host.apply(was.pinning)
    return this.changed()
  }

  stats(): EngineStats {
    return {
      limits: { ...this.current },
      paused: this.paused,
      cores: this.cores,
      counts: { ...this.host.counts() },
      placementSupported,
      placementNote,
    }
  }

  private changed(): EngineStats {
    this.host.changed()
    return this.stats()
  }
}
