// The contract's server side, shared by the Electron IPC bridge and the web-mode WebSocket
// server (Node-only: never imports electron). Every command arrives as untrusted
// (name, input): the name is checked against the contract, the input against the command's
// schema, then it is dispatched to the engine. It answers with a CommandResponse and never
// throws, so a transport only has to forward. Engine changes and monitor samples become the
// contract's event streams, each at most a few messages a second (the engine coalesces its
// feed every eventIntervalMs; the monitor samples at most MAX_HZ).
import * as v from 'valibot'
import {
  commandSchemas,
  isCommandName,
  LIVE_JOB_WINDOW,
  type CommandInput,
  type CommandName,
  type CommandOutputs,
  type CommandResponse,
  type ContractError,
  type EventName,
  type EventPayloads,
  type Snapshot,
} from '../../shared/contract.ts'
import { describeKinds } from '../../shared/kind-descriptors.ts'
import { ValidationError, problemsText, safeParseProblems, type FieldProblem } from '../../shared/validate.ts'
import { jobsToCsv, jobsToJson } from '../../shared/export.ts'
import { markWorkers } from '../../shared/monitor.ts'
import type { MonitorSample } from '../../shared/contract.ts'
import type { Engine, EngineChanges, JobStore, Monitor, ProcessHost } from '../engine/index.ts'
import { EXPERIMENTS } from './lab/experiments.ts'
import { runExperiment } from './lab/lab-runner.ts'
import { storedToView } from './persistent-engine.ts'
import { historyJoblog } from './history-joblog.ts'
import { dryRun } from './dry-run.ts'
import { streamWithControls, submitWithControls, type HostControls } from './submit-controls.ts'
import { lineSpecs, type StreamedSubmit } from './submit-stream.ts'
import type { LineInputs } from './line-inputs.ts'
import type { SettingsStore } from './settings-store.ts'
import { maskRedisUrl, unmaskRedisUrl, type Settings } from '../../shared/settings.ts'

export type EventListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void

/** A template over the lines of a file, as a batch file opened in the desktop app gives it, with its controls. */
export type LinesSubmit = Pick<
  CommandInput<'submit'>,
  'name' | 'template' | 'defaults' | 'halt' | 'delay' | 'maxLoad' | 'memFree' | 'results'
>
const LinesSubmitSchema = v.pick(commandSchemas.submit, [
  'name',
  'template',
  'defaults',
  'halt',
  'delay',
  'maxLoad',
  'memFree',
  'results',
])

export interface ApiHost {
  handle(command: unknown, input: unknown): Promise<CommandResponse<CommandName>>
  /**
   * Host-side only: the submit command (checked and answered as `handle` does) with the
   * controls only the host may set, for a batch file the host opened itself (its `joblog`).
   */
  submitOpened(input: CommandInput<'submit'>, host: HostControls): Promise<CommandResponse<'submit'>>
  /**
   * Host-side only (no transport reaches it, so no window can make the host read a file): a
   * template over `lines` the host opened itself, pulled by the engine as it runs, never held
   * whole. Throws a ValidationError naming the field when the template, the file or its first
   * input is bad (nothing is queued); a later bad input rejects `done` and stops the reading.
   * Its controls are checked with the submit command's schema, and applied as a submit's.
   */
  submitLines(request: LinesSubmit, lines: LineInputs, host?: HostControls): Promise<StreamedSubmit>
  /** Receives every event; returns an unsubscribe function. */
  subscribe(listener: EventListener): () => void
  /** Detaches from the engine and the monitor (it does not close them: their owner does). */
  close(): void
}

export interface ApiHostOptions {
  /** The job database, for `history` and `exportHistory` (absent: those answer not-found). */
  store?: JobStore
  /** Where job logs live, to name them in history rows. */
  logDir?: string
  /** Scratch folder for lab runs, and the lab's workers' entries in a bundled build. */
  lab?: { dataDir?: string; workerEntries?: { thread?: string | URL; process?: string }; processHost?: ProcessHost }
  /** The settings file, for `getSettings` and `updateSettings` (absent: those answer not-found). */
  settings?: SettingsStore
  /** Whether this host is the desktop app (its settings screen shows the desktop-only settings as live). */
  desktop?: boolean
  /** Told about unexpected failures (the client only gets the message). Default: console.error. */
  onInternalError?: (command: CommandName, error: unknown) => void
}

type Inputs = { [C in CommandName]: v.InferOutput<(typeof commandSchemas)[C]> }
type Handlers = { [C in CommandName]: (input: Inputs[C]) => CommandOutputs[C] | Promise<CommandOutputs[C]> }

/** Thrown by a handler for an id that does not exist; becomes a `not-found` response. */
class NotFound extends Error {}

function invalid(problems: FieldProblem[]): ContractError {
  return {
    code: 'invalid-input',
    message: problemsText(problems) || 'invalid input',
    fields: problems.map((p) => ({ field: p.field, message: p.message })),
  }
}

export function createApiHost(engine: Engine, monitor: Monitor | null, options: ApiHostOptions = {}): ApiHost {
  const onInternalError =
    options.onInternalError ??
    ((command: CommandName, error: unknown) => console.error(`corelane: command "${command}" failed`, error))
  const listeners = new Set<EventListener>()
  let detachEngine: (() => void) | null = null
  let detachMonitor: (() => void) | null = null
  let sampling = false
  let closed = false
  let labRunning = false

  function emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const listener of listeners) {
      try {
        listener(event, payload)
      } catch (error) {
        console.error(`corelane: an "${event}" listener failed`, error)
      }
    }
  }

  // The database's write trouble reaches the window as it happens (not with a subscription:
  // it is rare, and a window that connects later sees the next change).
  const detachStorage = options.store?.onDurability((state) => emit('storage', state)) ?? null

  function onChanges(changes: EngineChanges): void {
    if (changes.jobs.length || changes.removed.length) emit('jobs', { changed: changes.jobs, removed: changes.removed })
    if (changes.workers) emit('workers', changes.workers)
    if (changes.batches) emit('batches', changes.batches)
    if (changes.stats) emit('stats', changes.stats)
  }

  // Worker placement (core, CPU %) is refreshed on the monitor's beat, so the workers panel
  // and the core meters move together. The engine's change feed carries the result.
  function refreshWorkers(): void {
    if (sampling || engine.workers().length === 0) return
    sampling = true
    engine
      .sampleWorkers()
      .catch((error: unknown) => console.error('corelane: sampling workers failed', error))
      .finally(() => (sampling = false))
  }

  // The engine tracks changes only while someone listens, so attach on the first listener
  // and detach after the last one. A new listener loads a snapshot before applying events.
  function attach(): void {
    detachEngine = engine.subscribe(onChanges, { newestJobs: LIVE_JOB_WINDOW })
    detachMonitor =
      monitor?.onSample((sample) => {
        emit('monitor', withWorkers(sample))
        refreshWorkers()
      }) ?? null
  }

  function detach(): void {
    detachEngine?.()
    detachMonitor?.()
    detachEngine = detachMonitor = null
  }

  /** The engine's worker processes marked in a process list (the sampler knows the host's descendants only). */
  function withWorkers<T extends { processes?: MonitorSample['processes'] | null }>(sample: T): T {
    if (!sample.processes) return sample
    const pids = new Set<number>()
    for (const worker of engine.workers()) if (worker.executor === 'process' && worker.pid !== null) pids.add(worker.pid)
    return { ...sample, processes: markWorkers(sample.processes, pids) }
  }

  /** The newest sample with the newest process list and readings on it (they ride on some samples only). */
  function currentSample(): Snapshot['monitor'] {
    const sample = monitor?.last()
    if (!monitor || !sample) return null
    const { processes, hardware } = monitor.machine()
    return withWorkers({ ...sample, ...(processes && { processes }), ...(hardware && { hardware }) })
  }

  function snapshot(): Snapshot {
    const stats = engine.stats()
    // The engine holds exactly the jobs its state counts add up to: no need to walk them to count.
    const total = Object.values(stats.counts).reduce((sum, n) => sum + n, 0)
    const offset = Math.max(0, total - LIVE_JOB_WINDOW)
    return {
      stats,
      kinds: describeKinds(),
      jobs: engine.listJobs({ offset, limit: LIVE_JOB_WINDOW }).jobs,
      jobsTotal: total,
      workers: engine.workers(),
      batches: engine.batches(),
      monitor: currentSample(),
    }
  }

  const handlers: Handlers = {
    snapshot,
    submit: (input) => submitWithControls(engine, input),
    dryRun: (input) => dryRun(input),
    cancel: ({ ids }) => ({ cancelled: engine.cancel(ids) }),
    retry: ({ ids }) => ({ retried: engine.retry(ids) }),
    clearFinished: () => ({ removed: engine.clearFinished() }),
    pause: () => engine.pause(),
    resume: () => engine.resume(),
    setLimits: (patch) => engine.setLimits(patch),
    // An unknown batch (for both) is the engine's ValidationError naming batchId, answered as invalid input.
    setBatchPaused: ({ batchId, paused }) => engine.setBatchPaused(batchId, paused),
    cancelBatch: ({ batchId }) => ({ cancelled: engine.cancelBatch(batchId) }),
    jobLog: ({ id, maxBytes }) => {
      if (!engine.getJob(id)) throw new NotFound(`no job with id ${id}`)
      return engine.readLog(id, maxBytes)
    },
    listJobs: (filter) => engine.listJobs(filter),
    killWorker: ({ id }) => ({ killed: engine.killWorker(id) }),
    history: async (query) => {
      if (!options.store) throw new NotFound('this host keeps no job history')
      const page = await options.store.history(query)
      return { total: page.total, jobs: page.jobs.map((job) => storedToView(job, options.logDir ?? '')) }
    },
    exportHistory: async ({ format, ...query }) => {
      if (!options.store) throw new NotFound('this host keeps no job history')
      const page = await options.store.history(query)
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
      if (format === 'joblog') {
        const text = await historyJoblog(page.jobs, options.logDir ?? '')
        return {
          text,
          fileName: `corelane-history-${stamp}.joblog`,
          mimeType: 'text/tab-separated-values',
          count: page.jobs.length,
        }
      }
      const jobs = page.jobs.map((job) => storedToView(job, options.logDir ?? ''))
      return format === 'csv'
        ? { text: jobsToCsv(jobs), fileName: `corelane-history-${stamp}.csv`, mimeType: 'text/csv', count: jobs.length }
        : { text: jobsToJson(jobs), fileName: `corelane-history-${stamp}.json`, mimeType: 'application/json', count: jobs.length }
    },
    jobParams: async ({ id }) => {
      if (!options.store) throw new NotFound('this host keeps no job database, where params are kept')
      let params = await options.store.params(id)
      if (!params && engine.getJob(id)) {
        // A job submitted a moment ago: its first write may still be waiting to go out.
        await engine.flushStore()
        params = await options.store.params(id)
      }
      if (!params) throw new NotFound(`no job with id ${id} in the database`)
      return { params }
    },
    historyBatches: async ({ limit }) => {
      if (!options.store) throw new NotFound('this host keeps no job history')
      return options.store.batches(limit)
    },
    labExperiments: () => Object.values(EXPERIMENTS),
    labRun: (input) => {
      // One experiment at a time: they measure the machine, so two at once would spoil both.
      if (labRunning)
        throw new ValidationError([{ field: 'experiment', message: 'another experiment is running; wait for it to finish' }])
      labRunning = true
      return runExperiment(input, {
        monitor,
        dataDir: options.lab?.dataDir,
        workerEntries: options.lab?.workerEntries,
        processHost: options.lab?.processHost,
        onProgress: (note) => emit('lab', { note }),
      }).finally(() => (labRunning = false))
    },
    // The cluster URL's password never leaves the host: shown masked, and a masked one sent
    // back stands for the saved password.
    getSettings: () => {
      if (!options.settings) throw new NotFound('this host keeps no settings')
      return { settings: maskedSettings(options.settings.get()), desktop: options.desktop ?? false }
    },
    updateSettings: async (patch) => {
      if (!options.settings) throw new NotFound('this host keeps no settings')
      const saved = options.settings.get().clusterRedisUrl
      const url = patch.clusterRedisUrl
      const next = await options.settings.update(url ? { ...patch, clusterRedisUrl: unmaskRedisUrl(url, saved) } : patch)
      return { settings: maskedSettings(next), desktop: options.desktop ?? false }
    },
    setMonitorRate: ({ hz }) => {
      if (!monitor) throw new NotFound('this host has no monitor')
      return { hz: monitor.setRate(hz) }
    },
    machine: () => {
      if (!monitor) throw new NotFound('this host has no monitor')
      return withWorkers(monitor.machine())
    },
    coreFrequencies: ({ from, to, cores }) => {
      if (!monitor) throw new NotFound('this host has no monitor')
      if (to < from) throw new ValidationError([{ field: 'to', message: 'must not be before from' }])
      return monitor.frequencies(from, to, cores)
    },
  }

  async function handle(command: unknown, input: unknown): Promise<CommandResponse<CommandName>> {
    if (!isCommandName(command)) {
      const name = typeof command === 'string' ? `"${command.slice(0, 100)}"` : `a ${typeof command}`
      return { ok: false, error: { code: 'unknown-command', message: `unknown command ${name}` } }
    }
    const parsed = safeParseProblems(commandSchemas[command], input)
    if (!parsed.ok) return { ok: false, error: invalid(parsed.problems) }
    const handler = handlers[command] as (input: unknown) => unknown
    return answer(command, () => handler(parsed.value))
  }

  /** Runs a checked command; its errors become the contract's answers. */
  async function answer(command: CommandName, run: () => unknown): Promise<CommandResponse<CommandName>> {
    try {
      const value = (await run()) as CommandOutputs[CommandName]
      return { ok: true, value }
    } catch (error) {
      if (error instanceof ValidationError) return { ok: false, error: invalid(error.problems) }
      if (error instanceof NotFound) return { ok: false, error: { code: 'not-found', message: error.message } }
      onInternalError(command, error)
      // The message only: stacks and paths of the host stay on the host.
      const message = error instanceof Error && error.message ? error.message : 'the command failed'
      return { ok: false, error: { code: 'internal', message: `${command} failed: ${message}` } }
    }
  }

  async function submitLines(request: LinesSubmit, lines: LineInputs, host: HostControls = {}): Promise<StreamedSubmit> {
    const parsed = safeParseProblems(LinesSubmitSchema, request)
    if (!parsed.ok) throw new ValidationError(parsed.problems)
    const { halt, results, ...rest } = parsed.value
    return streamWithControls(engine, rest, lineSpecs(rest, lines), { halt, results }, host)
  }

  return {
    handle,
    async submitOpened(input, host) {
      const parsed = safeParseProblems(commandSchemas.submit, input)
      if (!parsed.ok) return { ok: false, error: invalid(parsed.problems) }
      return (await answer('submit', () => submitWithControls(engine, parsed.value, host))) as CommandResponse<'submit'>
    },
    submitLines,
    subscribe(listener) {
      if (closed) return () => {}
      listeners.add(listener)
      if (listeners.size === 1) attach()
      return () => {
        if (!listeners.delete(listener)) return
        if (listeners.size === 0) detach()
      }
    },
    close() {
      closed = true
      listeners.clear()
      detachStorage?.()
      detach()
    },
  }
}

function maskedSettings(settings: Settings): Settings {
  return settings.clusterRedisUrl ? { ...settings, clusterRedisUrl: maskRedisUrl(settings.clusterRedisUrl) } : settings
}
