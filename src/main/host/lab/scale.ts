// The sizes the lab's experiments run at: full for demos, quick for tests and CI.
export interface Scale {
  sleepMs: number
  fetchMs: number
  /**
   * How long one CPU task should take on this machine: its n is calibrated to it (calibrate.ts),
   * since a fixed n is 30 ms on one computer and a second on another.
   */
  cpuTaskMs: number
  /** The Python versions keep the tutorial's 10^7: CPython takes about a second for it. */
  pythonSquaresN: number
  /**
   * The band (± relative) of the waiting experiments' checks (sleeps, fetches, timers). Their
   * fixed costs (dispatch, start-up) are a larger share of a quick run's 250 ms waits than of
   * a full run's seconds, so a full run is held to the tighter band.
   */
  waitTolerance: number
  /**
   * The fetch experiment's band: a fresh worker's first HTTP request also sets up Node's fetch
   * (measured here: the gathered quick run takes 330–380 ms against 250 ms + 40–55 ms start-up),
   * a fixed cost the quick run's 250 ms wait cannot hide.
   */
  fetchTolerance: number
  /**
   * The band of "the same CPU work on one event loop takes about its sum": one-sided, since
   * one event loop cannot beat running the tasks one after another, only lose to it. Two timed
   * runs of the same CPU work on a shared 2-vCPU VM drift apart: the quick interleaved run
   * measured 0.97–1.41× the sequential one here (1.25 s against 0.88 s in a full test run;
   * 1.05–1.31 s against 0.96–1.13 s in three runs on a quiet machine). Below, the band stays
   * tight: 3 tasks spread over 2 cores would take about 0.67× of the sum.
   */
  cpuToleranceBelow: number
  cpuToleranceAbove: number
  timers: number
  startupWorkers: number
  roundTrips: number
}

export const SCALES: Record<'full' | 'quick', Scale> = {
  full: {
    sleepMs: 1000,
    fetchMs: 1000,
    cpuTaskMs: 1000,
    pythonSquaresN: 1e7,
    waitTolerance: 0.15,
    fetchTolerance: 0.15,
    cpuToleranceBelow: 0.15,
    cpuToleranceAbove: 0.3,
    timers: 10_000,
    startupWorkers: 4,
    roundTrips: 2000,
  },
  quick: {
    sleepMs: 250,
    fetchMs: 250,
    cpuTaskMs: 300,
    pythonSquaresN: 2e6,
    waitTolerance: 0.25,
    fetchTolerance: 0.35,
    cpuToleranceBelow: 0.15,
    cpuToleranceAbove: 0.6,
    timers: 10_000,
    startupWorkers: 2,
    roundTrips: 1000,
  },
  // (timers-10k keeps 1 s sleeps even when quick: ten thousand jobs have a fixed cost worth seeing against one second.)
}
