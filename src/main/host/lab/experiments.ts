// The classic concurrency experiments (DESIGN.md, "The concurrency lessons"): what each one
// runs, under which strategies, and at what size (full for demos, quick for tests and CI).
import type { ExperimentId, ExperimentInfo } from '../../../shared/lab.ts'

export const EXPERIMENTS: Record<ExperimentId, ExperimentInfo> = {
  'sleep-pool': {
    id: 'sleep-pool',
    title: '8 sleeps on a pool of 4',
    question: 'Eight tasks each wait one second. How long on a pool of four workers?',
    expectation: 'about 2 s, not 8',
    strategies: ['sequential', 'threads', 'processes', 'async'],
    python: true,
  },
  'gather-fetch': {
    id: 'gather-fetch',
    title: '4 fetches gathered',
    question: 'Four HTTP requests each take one second to answer. How long if they are gathered concurrently?',
    expectation: 'about 1 s',
    strategies: ['sequential', 'async'],
    python: true,
  },
  'cpu-parallel': {
    id: 'cpu-parallel',
    title: '3 CPU tasks in parallel',
    question: 'Three tasks each sum i*i over a large range. How long in parallel processes?',
    expectation: 'about the time of one, up to the core count',
    strategies: ['sequential', 'threads', 'processes'],
    python: true,
  },
  'cpu-sequential': {
    id: 'cpu-sequential',
    title: 'The same CPU tasks on one event loop',
    question: 'The same three CPU tasks, "concurrently" on one event loop (or Python threads under the GIL). How long?',
    expectation: 'about the sum of their times',
    strategies: ['sequential', 'async'],
    python: true,
  },
  'timers-10k': {
    id: 'timers-10k',
    title: '10,000 timers on the async lane',
    question: 'Ten thousand tasks each wait one second, all at once on one event loop. How long?',
    expectation: 'about 1 s',
    strategies: ['async'],
    python: true,
  },
  'startup-cost': {
    id: 'startup-cost',
    title: 'Thread vs process start-up and message cost',
    question: 'How long does a new worker take to answer its first job, and what does one message round trip cost?',
    expectation: 'threads start several times faster',
    strategies: ['threads', 'processes'],
    python: false,
  },
}

/** The sizes an experiment runs at. Node sums 10^7 squares in about 30 ms, too short to see, so it uses 10^8. */
export interface Scale {
  sleepMs: number
  fetchMs: number
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

/** The pool size an experiment uses when the user does not choose one. */
export function defaultPool(experiment: ExperimentId, cores: number): number {
  return experiment === 'sleep-pool' ? 4 : cores
}
