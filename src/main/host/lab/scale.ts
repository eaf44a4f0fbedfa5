// The sizes the lab's experiments run at: full for demos, quick for tests and CI.
export interface Scale {
  sleepMs: number
  fetchMs: number
  /** Node sums 10^7 squares in about 30 ms, too short to see, so it uses 10^8. */
  squaresN: number
  /** The Python versions keep the tutorial's 10^7: CPython takes about a second for it. */
  pythonSquaresN: number
  timers: number
  startupWorkers: number
  roundTrips: number
}

export const SCALES: Record<'full' | 'quick', Scale> = {
  full: { sleepMs: 1000, fetchMs: 1000, squaresN: 1e8, pythonSquaresN: 1e7, timers: 10_000, startupWorkers: 4, roundTrips: 2000 },
  quick: { sleepMs: 250, fetchMs: 250, squaresN: 4e7, pythonSquaresN: 2e6, timers: 10_000, startupWorkers: 2, roundTrips: 1000 },
  // (timers-10k keeps 1 s sleeps even when quick: ten thousand jobs have a fixed cost worth seeing against one second.)
}
