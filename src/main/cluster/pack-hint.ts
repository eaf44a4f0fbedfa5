// What a controller knows of a pack beyond its jobs (its priority, its expected run time), and
// which packs go out as long (PackSchema's `long`): agents take those only when they can
// start them, where short ones are prefetched (two per CPU slot, see agent.ts).

export interface PackHint {
  /** The engine's (higher first, −1000…1000): BullMQ takes higher-priority packs first. */
  priority?: number
  /**
   * How long its CPU-lane jobs should hold a slot, from their kinds' learned costs (undefined:
   * not known, so long). I/O jobs count 0: an agent runs them side by side, holding no slot.
   */
  cpuMs?: number
}

/**
 * A pack expected to run this long or longer is long. Prefetching saves one Redis round trip
 * (about a millisecond) per pack, under 1% of such a pack, while a long pack held on one agent
 * behind another can leave another agent idle for a whole job at a batch's end. Short packs
 * are sized to well under it (the engine's balancer aims a short batch at a few ms of work).
 */
export const LONG_PACK_MS = 200

export function isLongPack(hint: PackHint): boolean {
  return (hint.cpuMs ?? Infinity) >= LONG_PACK_MS
}
