// One turn of the event loop, for loops that would otherwise hold it: a CPU-bound kind in a
// worker (so a cancel or timeout message is seen), and the engine's own long loops over a
// submission (so reports, timers and clients are served between its slices).

/**
 * Resolves from a setImmediate: unlike a resolved promise (a microtask, run before the loop
 * moves on), it lets the loop go round, so timers, I/O and messages that are ready run first.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
