// The API contract between the engine's host (Electron main, or the web-mode server) and the
// renderer. Every command has a payload schema, checked on arrival by the IPC bridge and the
// WebSocket server alike; every event stream is pushed in batches, a few messages a second.
import * as v from 'valibot'
import type { ClusterLinkStatus, MachineView } from './cluster.ts'
import type { BatchView, EngineStats, JobState, JobView, WorkerView } from './job.ts'
import { JOB_STATES } from './job.ts'
import type { KindInfo } from './kinds.ts'
import { LabRunSchema, type ExperimentInfo, type LabResult } from './lab.ts'
import type { CoreFrequencyReport, HardwareSample, ProcessesSample, Topology } from './monitor.ts'
import { LimitsPatchSchema, SubmitSchema } from './schemas.ts'
import { SettingsPatchSchema, type Settings } from './settings.ts'

const HistoryQuerySchema = v.strictObject({
  state: v.optional(v.picklist(JOB_STATES)),
  kind: v.optional(v.pipe(v.string(), v.maxLength(100))),
  batchId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  text: v.optional(v.pipe(v.string(), v.maxLength(200))),
  offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 100),
})

const Ids = v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(1))), v.minLength(1), v.maxLength(1_000_000))

export const commandSchemas = {
  /** Everything the window needs to draw itself once; later changes arrive as events. */
  snapshot: v.strictObject({}),
  submit: SubmitSchema,
  /** GNU parallel's --dry-run: the submit expanded to its jobs (a shell job as its command line), nothing run. */
  dryRun: SubmitSchema,
  cancel: v.strictObject({ ids: Ids }),
  retry: v.strictObject({ ids: Ids }),
  clearFinished: v.strictObject({}),
  pause: v.strictObject({}),
  resume: v.strictObject({}),
  setLimits: LimitsPatchSchema,
  /** Pauses or resumes one batch: its queued jobs wait while paused, its running ones finish, other batches run. */
  setBatchPaused: v.strictObject({
    batchId: v.pipe(v.number(), v.integer(), v.minValue(1)),
    paused: v.boolean(),
  }),
  /** Cancels every unfinished job of one batch (queued, held, retrying, running); a streamed batch stops reading its input. */
  cancelBatch: v.strictObject({ batchId: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  jobLog: v.strictObject({
    id: v.pipe(v.number(), v.integer(), v.minValue(1)),
    maxBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4 << 20)), 65536),
  }),
  listJobs: v.strictObject({
    state: v.optional(v.picklist(JOB_STATES)),
    batchId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 1000),
  }),
  // systeminformation answers calls less than 200 ms apart from its cache: 4 Hz is the useful maximum.
  setMonitorRate: v.strictObject({ hz: v.pipe(v.number(), v.minValue(0.5), v.maxValue(4)) }),
  /** The machine's topology (SMT siblings, P/E cores) and its newest process list and hardware readings. */
  machine: v.strictObject({}),
  /** How fast the given cores (default: all) were clocked between two times: for a job's details. */
  coreFrequencies: v.strictObject({
    from: v.pipe(v.number(), v.integer(), v.minValue(0)),
    to: v.pipe(v.number(), v.integer(), v.minValue(0)),
    cores: v.optional(v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4095))), v.maxLength(4096))),
  }),
  /** Terminates a worker as a crash would (its job fails or retries; nothing else is affected). */
  killWorker: v.strictObject({ id: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  /** Past jobs from the database, newest first. */
  history: HistoryQuerySchema,
  /** The same, as a CSV or JSON document to save: every matching job (up to 100,000) unless a limit is given. */
  exportHistory: v.strictObject({
    ...HistoryQuerySchema.entries,
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 100_000),
    format: v.picklist(['csv', 'json', 'joblog']),
  }),
  labExperiments: v.strictObject({}),
  labRun: LabRunSchema,
  /** The batches the database holds (cleared from the engine or not), newest first: names for History. */
  /** One job's params as the database keeps them (job views do not carry params): the details panel. */
  jobParams: v.strictObject({ id: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  historyBatches: v.strictObject({
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 1000),
  }),
  /** The saved settings (settings.json in the data folder), and which of them this host applies. */
  getSettings: v.strictObject({}),
  /** Changes some settings; the engine's defaults apply from the next start. */
  updateSettings: SettingsPatchSchema,
} as const

export type CommandName = keyof typeof commandSchemas
export type CommandInput<C extends CommandName> = v.InferInput<(typeof commandSchemas)[C]>

/** A kind as the renderer sees it: catalogue entry plus the JSON Schema of its params. */
export interface KindDescriptor extends KindInfo {
  paramsSchema: Record<string, unknown>
}

/**
 * The window keeps the newest this-many jobs live: the snapshot carries them and `jobs` events
 * report changes to them only, so a session of 100,000 jobs costs the window (and the engine's
 * thread, which builds and serialises the events) no more than one of 20,000. Older jobs stay
 * in the engine and the database; their counts arrive with `stats`, and History pages them.
 */
export const LIVE_JOB_WINDOW = 20_000

export interface Snapshot {
  stats: EngineStats
  kinds: KindDescriptor[]
  /** The most recent jobs (at most a limit); `jobsTotal` says how many the engine holds. */
  jobs: JobView[]
  jobsTotal: number
  workers: WorkerView[]
  batches: BatchView[]
  monitor: MonitorSample | null
}

export interface SubmitResult {
  batchId: number
  /** The jobs queued; empty for a streamed batch (a large count or a range), whose jobs are made as it is read. */
  jobIds: number[]
  /** A streamed batch: how many jobs it will hold. */
  streamed?: number
}

/** The most jobs a dry run lists (it counts them all). */
export const DRY_RUN_LIST_MAX = 1000

/** One job of a dry run, as `corelane run --dry-run --json` prints it. */
export interface DryRunJob {
  seq: number
  name: string | null
  kind: string
  /** What would run: a shell job's command line (GNU parallel's), other kinds as `kind {params}`. */
  command: string
}

export interface DryRunResult {
  total: number
  /** The first DRY_RUN_LIST_MAX of them. */
  jobs: DryRunJob[]
}

/** A batch as the job database keeps it, with how many of its jobs it holds. */
export interface HistoryBatch {
  id: number
  name: string
  createdAt: number
  jobs: number
}

export interface CommandOutputs {
  snapshot: Snapshot
  submit: SubmitResult
  dryRun: DryRunResult
  cancel: { cancelled: number }
  retry: { retried: number }
  clearFinished: { removed: number }
  pause: EngineStats
  resume: EngineStats
  setLimits: EngineStats
  setBatchPaused: BatchView
  cancelBatch: { cancelled: number }
  /** The end of a job's log; `stderr`: [start, end) offsets in `text` of what came from stderr (the rest is stdout). */
  jobLog: { text: string; stderr: [number, number][]; truncated: boolean; file: string | null }
  listJobs: { total: number; jobs: JobView[] }
  setMonitorRate: { hz: number }
  machine: { topology: Topology | null; processes: ProcessesSample | null; hardware: HardwareSample | null }
  coreFrequencies: CoreFrequencyReport
  killWorker: { killed: boolean }
  history: { total: number; jobs: JobView[] }
  exportHistory: { text: string; fileName: string; mimeType: string; count: number }
  labExperiments: ExperimentInfo[]
  labRun: LabResult
  historyBatches: HistoryBatch[]
  jobParams: { params: Record<string, unknown> }
  getSettings: SettingsView
  updateSettings: SettingsView
}

/** The settings, and whether this host is the desktop app (web mode has no taskbar, no login items). */
export interface SettingsView {
  settings: Settings
  desktop: boolean
}

export type CommandOutput<C extends CommandName> = CommandOutputs[C]

/** One sample of the machine: per-core load, total load and memory. */
export interface MonitorSample {
  at: number
  /** Busy percentage of each logical core since the previous sample. */
  cores: number[]
  total: number
  memUsed: number
  memTotal: number
  /** The top processes: on at most one sample a second (keep the last one seen). */
  processes?: ProcessesSample
  /** Frequencies, temperatures, GPUs: on at most one sample a second. */
  hardware?: HardwareSample
}

/** Events pushed from host to renderer, each stream coalesced to a few messages a second. */
export interface EventPayloads {
  /** Jobs among the newest LIVE_JOB_WINDOW whose view changed since the last message (latest view only), and ids removed. */
  jobs: { changed: JobView[]; removed: number[] }
  /** The full list of workers (replace, don't merge). */
  workers: WorkerView[]
  /** The full list of batches (replace, don't merge). */
  batches: BatchView[]
  stats: EngineStats
  monitor: MonitorSample
  /** What a running lab experiment is doing now. */
  lab: { note: string }
  /**
   * The job database stopped taking writes (a full disk, say: `durable` false, the records
   * kept in memory and retried) or takes them again (`durable` true). Sent on each change.
   */
  storage: { durable: boolean; pendingJobs: number; error: string | null }
  /** The cluster's machines (replace, don't merge), when the host follows one (`serve --redis`, the `clusterRedisUrl` setting). */
  machines: MachineView[]
  /** The host's link to the cluster of its `clusterRedisUrl` setting: on each change, and to each new subscriber. */
  cluster: ClusterLinkStatus
}

export type EventName = keyof EventPayloads

export const EVENT_NAMES: EventName[] = [
  'jobs',
  'workers',
  'batches',
  'stats',
  'monitor',
  'lab',
  'storage',
  'machines',
  'cluster',
]

/** An error as it crosses the boundary: a code and a sentence, plus the fields at fault. */
export interface ContractError {
  code: 'invalid-input' | 'unknown-command' | 'not-found' | 'internal'
  message: string
  fields?: { field: string; message: string }[]
}

export type CommandResponse<C extends CommandName> = { ok: true; value: CommandOutput<C> } | { ok: false; error: ContractError }

/** The one object the preload exposes and the WebSocket client implements. */
export interface CorelaneApi {
  call<C extends CommandName>(command: C, input: CommandInput<C>): Promise<CommandOutput<C>>
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void
}

/** IPC channel names: one per command, one for events. Nothing else crosses the bridge. */
export const ipcChannel = (command: CommandName): string => `corelane:${command}`
export const IPC_EVENT_CHANNEL = 'corelane:event'

export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[]

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commandSchemas, name)
}

export type StateFilter = JobState | 'all'
