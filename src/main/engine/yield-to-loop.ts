// One turn of the event loop, for loops that would otherwise hold it: a CPU-bound kind in a
// worker (so a cancel or timeout message is seen), and the engine's own long loops over a
// submission (so reports, timers and clients are served between its slices).

/**
 * Resolves after the loop has run what was waiting (setImmediate: the poll phase comes first,
 * so I/O and messages are handled, not only microtasks).
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
