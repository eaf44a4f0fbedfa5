// The job model shared by every layer: engine, CLI, IPC/WebSocket bridge and renderer.
// Pure types and tiny helpers only: no node:, no electron, no DOM.

export type Lane = 'cpu' | 'io'
export type ExecutorType = 'thread' | 'process'
export type ExecutorChoice = ExecutorType | 'auto'

export const TERMINAL_STATES = ['succeeded', 'failed', 'cancelled', 'timed-out', 'interrupted'] as const
export const JOB_STATES = ['queued', 'running', 'retrying', ...TERMINAL_STATES] as const
export type JobState = (typeof JOB_STATES)[number]
export type TerminalState = (typeof TERMINAL_STATES)[number]

// A set, not TERMINAL_STATES.includes: the engine asks this several times per job state change.
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATES)

export function isTerminal(state: JobState): state is TerminalState {
  return TERMINAL.has(state)
}

/** What a user asks for. `params` is validated against the kind's own schema. */
export interface JobSpec {
  name?: string
  kind: string
  params: Record<string, unknown>
  lane?: Lane
  executor?: ExecutorChoice
  priority?: number
  timeoutMs?: number
  retries?: number
  /** Memory ceiling for the job's worker, in MiB (thread: V8 heap limit; process: --max-old-space-size). */
  memoryMb?: number
  /** Names of jobs of the same batch that must succeed before this one starts. */
  after?: string[]
}

/** A job's error as reported to users: a stable code and one readable sentence. */
export interface JobError {
  code:
    | 'job-error'
    | 'timeout'
    | 'cancelled'
    | 'worker-crashed'
    | 'out-of-memory'
    | 'exit-code'
    | 'invalid-params'
    | 'interrupted'
    | 'dependency-failed'
  message: string
}

/** A result too large to keep in memory lives in a file; the job keeps this reference. */
export interface ResultFileRef {
  file: string
  bytes: number
}

/** Everything the UI and the CLI need to show one job. Plain data, safe to serialise. */
export interface JobView {
  id: number
  batchId: number | null
  name: string
  kind: string
  lane: Lane
  executor: ExecutorType
  priority: number
  state: JobState
  attempts: number
  maxRetries: number
  timeoutMs: number | null
  progress: number
  note: string | null
  workerId: number | null
  /** The cluster agent that ran it (its last attempt); null for this machine (or not run yet). */
  machine?: string | null
  createdAt: number
  startedAt: number | null
  endedAt: number | null
  result?: unknown
  resultFile?: ResultFileRef
  error?: JobError
  logFile: string | null
  /** Ids of the jobs of its batch it waits for (only for jobs with dependencies). */
  after?: number[]
}

/** A worker's view names at most this many of its running jobs; `running` counts them all. */
export const WORKER_VIEW_JOB_IDS = 8

export interface WorkerView {
  id: number
  executor: ExecutorType
  lane: Lane
  pid: number | null
  tid: number | null
  state: 'starting' | 'idle' | 'busy' | 'stopping'
  /** How many jobs it is running now (an I/O worker runs thousands at once). */
  running: number
  /** Ids of some of them: all when they are few, at most WORKER_VIEW_JOB_IDS. */
  jobIds: number[]
  /** Linux only: the CPU the worker's thread last ran on (from /proc/<pid>/task/<tid>/stat). */
  core: number | null
  /** CPU used by the worker's thread over the last sample, as a percentage of one core. */
  cpuPercent: number | null
  /** utime + stime of the worker's thread, in milliseconds. */
  cpuTimeMs: number | null
  pinnedCore: number | null
  startedAt: number
  jobsDone: number
}

export interface BatchView {
  id: number
  name: string
  total: number
  counts: Record<JobState, number>
  createdAt: number
  endedAt: number | null
  /** Paused on its own (setBatchPaused): its queued jobs wait while other batches run. */
  paused: boolean
  /** Finished jobs per second over the recent window. */
  throughput: number
  /** Estimated milliseconds until the batch ends, or null when unknown. */
  etaMs: number | null
}

export interface EngineLimits {
  cpuSlots: number
  ioConcurrency: number
  pinning: boolean
}

export interface EngineStats {
  limits: EngineLimits
  paused: boolean
  cores: number
  counts: Record<JobState, number>
  placementSupported: boolean
  placementNote: string | null
}

export function emptyCounts(): Record<JobState, number> {
  const counts = {} as Record<JobState, number>
  for (const state of JOB_STATES) counts[state] = 0
  return counts
}
