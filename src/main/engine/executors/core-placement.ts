// Which core each pinned CPU worker goes on, as a pure function of the workers (busy or idle,
// where they are now) and the number of cores, so the rule is tested on its own
// (tests/engine/core-placement.test.ts) and the pool only applies the differences with taskset.
//
// The rule: workers running jobs come first and get distinct cores while there are cores to
// give (beyond that, as even a share as possible); idle workers then go on the least used
// cores. A worker keeps the core it has whenever that core is among the least used at its turn,
// so a placement that is already right moves nobody, and a change (a worker spawned, retired or
// gone, a slot count changed, a worker becoming busy) moves as few workers as it can.

export interface PlacedWorker {
  readonly id: number
  /** It holds jobs (it takes a CPU slot). */
  readonly busy: boolean
  /** The core it is pinned to now, or null. */
  readonly core: number | null
}

/** Worker id → core, for every worker given; empty when there are no cores. */
export function placeOnCores(workers: readonly PlacedWorker[], cores: number): Map<number, number> {
  const placement = new Map<number, number>()
  if (cores < 1) return placement
  const load = new Array<number>(cores).fill(0)
  const byId = [...workers].sort((a, b) => a.id - b.id)
  // Busy workers are placed before idle ones see any core, so an idle worker never holds a core
  // a busy one needs.
  placeGroup(
    byId.filter((w) => w.busy),
    load,
    placement,
  )
  placeGroup(
    byId.filter((w) => !w.busy),
    load,
    placement,
  )
  return placement
}

function placeGroup(group: readonly PlacedWorker[], load: number[], placement: Map<number, number>): void {
  const movers: PlacedWorker[] = []
  // First those that may stay: their core is valid and among the least used right now. Keeping
  // only at the minimum keeps every core within one worker of the others.
  for (const worker of group) {
    const core = worker.core
    if (core !== null && Number.isInteger(core) && core >= 0 && core < load.length && load[core] === Math.min(...load)) {
      load[core]!++
      placement.set(worker.id, core)
    } else {
      movers.push(worker)
    }
  }
  for (const worker of movers) {
    const core = leastUsed(load)
    load[core]!++
    placement.set(worker.id, core)
  }
}

/** The least used core, the lowest-numbered among equals. */
function leastUsed(load: readonly number[]): number {
  let best = 0
  for (let core = 1; core < load.length; core++) if (load[core]! < load[best]!) best = core
  return best
}
