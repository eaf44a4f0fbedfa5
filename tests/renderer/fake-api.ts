// TEST DOUBLE: a fake CorelaneApi standing in for the host (Electron main or the web-mode
// server) at the renderer's only edge. It answers commands from a scripted table, records every
// call, and lets a test push events as the host would. Nothing inside the renderer is faked.
import { toJsonSchema } from '@valibot/to-json-schema'
import type * as v from 'valibot'
import type {
  CommandInput,
  CommandName,
  CommandOutput,
  CorelaneApi,
  EventName,
  EventPayloads,
  KindDescriptor,
  MonitorSample,
  Snapshot,
} from '../../src/shared/contract.ts'
import { emptyCounts } from '../../src/shared/job.ts'
import type { CoreFrequencyReport, Topology } from '../../src/shared/monitor.ts'
import { DEFAULT_SETTINGS, SettingsPatchSchema, type Settings } from '../../src/shared/settings.ts'
import { safeParseProblems } from '../../src/shared/validate.ts'
import type { BatchView, EngineStats, JobState, JobView, WorkerView } from '../../src/shared/job.ts'
import { KIND_NAMES, kindCatalog, kindParams } from '../../src/shared/kinds.ts'
import { jobsToCsv, jobsToJson } from '../../src/shared/export.ts'
import { labExperiments, sleepPoolResult } from './lab-fixtures.ts'

/** The real kind catalogue with the real params JSON Schemas, as a host would send them. */
export function realKindDescriptors(): KindDescriptor[] {
  return KIND_NAMES.map((name) => ({
    ...kindCatalog[name],
    paramsSchema: toJsonSchema(kindParams[name] as v.GenericSchema, { errorMode: 'ignore' }) as Record<string, unknown>,
  }))
}

export function makeStats(patch: Partial<EngineStats> = {}): EngineStats {
  return {
    limits: { cpuSlots: 4, ioConcurrency: 1000, pinning: false },
    paused: false,
    cores: 4,
    counts: emptyCounts(),
    placementSupported: true,
    placementNote: null,
    ...patch,
  }
}

export function makeJob(id: number, patch: Partial<JobView> = {}): JobView {
  return {
    id,
    batchId: 1,
    name: `sleep #${id}`,
    kind: 'sleep',
    lane: 'io',
    executor: 'thread',
    priority: 0,
    state: 'queued',
    attempts: 0,
    maxRetries: 0,
    timeoutMs: null,
    progress: 0,
    note: null,
    workerId: null,
    createdAt: 1_000,
    startedAt: null,
    endedAt: null,
    logFile: null,
    ...patch,
  }
}

export function makeWorker(id: number, patch: Partial<WorkerView> = {}): WorkerView {
  return {
    id,
    executor: 'thread',
    lane: 'cpu',
    pid: 100,
    tid: 100 + id,
    state: 'idle',
    jobIds: [],
    core: null,
    cpuPercent: null,
    cpuTimeMs: null,
    pinnedCore: null,
    startedAt: Date.now() - 5000,
    jobsDone: 0,
    ...patch,
    running: patch.running ?? patch.jobIds?.length ?? 0,
  }
}

export function makeBatch(id: number, patch: Partial<BatchView> = {}): BatchView {
  return {
    id,
    name: `batch ${id}`,
    total: 0,
    counts: emptyCounts(),
    createdAt: Date.now() - 1000,
    endedAt: null,
    paused: false,
    throughput: 0,
    etaMs: null,
    ...patch,
  }
}

export function makeSample(at: number, cores: number[]): MonitorSample {
  return { at, cores, total: cores.reduce((a, b) => a + b, 0) / cores.length, memUsed: 4 << 30, memTotal: 16 << 30 }
}

export function makeSnapshot(patch: Partial<Snapshot> = {}): Snapshot {
  return {
    stats: makeStats(),
    kinds: realKindDescriptors(),
    jobs: [],
    workers: [],
    batches: [],
    monitor: makeSample(Date.now(), [10, 50, 75, 95]),
    ...patch,
    jobsTotal: patch.jobsTotal ?? patch.jobs?.length ?? 0,
  }
}

/** A machine's shape as the host's topology reads it: one thread per core, one kind of core (a VM's). */
export function makeTopology(logical: number): Topology {
  return {
    model: 'Test CPU',
    logical,
    physical: logical,
    siblings: Array.from({ length: logical }, (_, i) => [i]),
    coreTypes: null,
    performanceCores: null,
    efficiencyCores: null,
  }
}

/** The host's coreFrequencies answer on a machine that reports no frequencies (a VM, as here). */
export function noFrequencies(input: CommandInput<'coreFrequencies'>, coreCount: number): CoreFrequencyReport {
  const cores = input.cores ?? Array.from({ length: coreCount }, (_, i) => i)
  return {
    from: input.from,
    to: input.to,
    cores: cores.map((core) => ({ core, meanMhz: null, minMhz: null, maxMhz: null })),
    samples: 0,
    note: 'frequencies are not available here',
  }
}

type Handler<C extends CommandName> = (input: CommandInput<C>) => CommandOutput<C> | Promise<CommandOutput<C>>

export interface FakeApi {
  api: CorelaneApi
  /** Every command received, in order. */
  calls: { command: CommandName; input: unknown }[]
  callsOf<C extends CommandName>(command: C): CommandInput<C>[]
  /** Replace the answer to one command (throw inside to make it fail). */
  handle<C extends CommandName>(command: C, handler: Handler<C>): void
  /** Push an event to every listener, as the host does. */
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void
  listenerCount(event: EventName): number
}

/** The history query the host applies: state, kind, batch and name filters, newest first, a page. */
function historyPage(all: readonly JobView[], input: CommandInput<'history'>): { total: number; jobs: JobView[] } {
  const text = input.text?.toLowerCase()
  const matching = all
    .filter((j) => (!input.state || j.state === input.state) && (!input.kind || j.kind === input.kind))
    .filter((j) => input.batchId === undefined || j.batchId === input.batchId)
    .filter((j) => !text || j.name.toLowerCase().includes(text))
    .sort((a, b) => b.id - a.id)
  const offset = input.offset ?? 0
  return { total: matching.length, jobs: matching.slice(offset, offset + (input.limit ?? 100)) }
}

export function createFakeApi(snapshot: Snapshot = makeSnapshot(), history: JobView[] = snapshot.jobs): FakeApi {
  const calls: FakeApi['calls'] = []
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  let stats = snapshot.stats
  let settings: Settings = { ...DEFAULT_SETTINGS }
  const coreCount = snapshot.monitor?.cores.length ?? snapshot.stats.cores
  const handlers: { [C in CommandName]?: Handler<C> } = {
    snapshot: () => snapshot,
    submit: (input) => ({
      batchId: 1,
      jobIds: Array.from({ length: input.count ?? input.inputs?.length ?? input.jobs?.length ?? 1 }, (_, i) => i + 1),
    }),
    cancel: (input) => ({ cancelled: input.ids.length }),
    retry: (input) => ({ retried: input.ids.length }),
    clearFinished: () => ({ removed: 0 }),
    pause: () => (stats = { ...stats, paused: true }),
    resume: () => (stats = { ...stats, paused: false }),
    setLimits: (input) => (stats = { ...stats, limits: { ...stats.limits, ...input } }),
    jobLog: () => ({ text: 'hello from the job\n', stderr: [], truncated: false, file: null }),
    listJobs: () => ({ total: 0, jobs: [] }),
    setMonitorRate: (input) => ({ hz: input.hz }),
    killWorker: () => ({ killed: true }),
    history: (input) => historyPage(history, input),
    exportHistory: (input) => {
      const { jobs } = historyPage(history, { ...input, offset: 0, limit: input.limit ?? 100 })
      return input.format === 'csv'
        ? { text: jobsToCsv(jobs), fileName: 'corelane-history-test.csv', mimeType: 'text/csv', count: jobs.length }
        : { text: jobsToJson(jobs), fileName: 'corelane-history-test.json', mimeType: 'application/json', count: jobs.length }
    },
    jobParams: (input) => {
      const job = [...snapshot.jobs, ...history].find((j) => j.id === input.id)
      if (!job) throw { code: 'not-found', message: `no job with id ${input.id} in the database` }
      return { params: { job: job.id } }
    },
    historyBatches: (input) => {
      // The host's answer: every batch the history holds, newest first, with its job count.
      const ids = [...new Set(history.map((j) => j.batchId).filter((id): id is number => id !== null))].sort((x, y) => y - x)
      return ids.slice(0, input.limit ?? 1000).map((id) => ({
        id,
        name: snapshot.batches.find((b) => b.id === id)?.name ?? `batch ${id}`,
        createdAt: 1_000,
        jobs: history.filter((j) => j.batchId === id).length,
      }))
    },
    // As the real host answers: the topology, the newest process list and hardware readings
    // (none sampled yet here), and frequencies that this kind of machine does not report.
    machine: () => ({ topology: makeTopology(coreCount), processes: null, hardware: null }),
    coreFrequencies: (input) => {
      if (input.to < input.from)
        throw {
          code: 'invalid-input',
          message: 'to: must not be before from',
          fields: [{ field: 'to', message: 'must not be before from' }],
        }
      return noFrequencies(input, coreCount)
    },
    // The host's settings file, kept in memory: checked with the shared schema as the host does.
    getSettings: () => ({ settings, desktop: false }),
    updateSettings: (input) => {
      const checked = safeParseProblems(SettingsPatchSchema, input)
      if (!checked.ok) throw { code: 'invalid-input', message: 'invalid settings', fields: checked.problems }
      settings = { ...settings, ...checked.value } as Settings
      return { settings, desktop: false }
    },
    labExperiments: () => labExperiments(),
    labRun: () => sleepPoolResult(),
  }

  const api: CorelaneApi = {
    async call(command, input) {
      calls.push({ command, input })
      const handler = handlers[command] as Handler<typeof command> | undefined
      if (!handler) throw { code: 'unknown-command', message: `no handler for ${command}` }
      return handler(input)
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const entry = listener as (payload: unknown) => void
      set.add(entry)
      return () => void set.delete(entry)
    },
  }

  return {
    api,
    calls,
    callsOf: <C extends CommandName>(command: C) =>
      calls.filter((c) => c.command === command).map((c) => c.input as CommandInput<C>),
    handle(command, handler) {
      ;(handlers as Record<string, unknown>)[command] = handler
    },
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload)
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
  }
}

/** A Link around the fake API, as pickTransport() would hand to the session store. */
export function fakeLink(fake: FakeApi) {
  return {
    api: fake.api,
    status: () => ({ via: 'ipc' as const, state: 'open' as const, attempt: 0, retryAt: null, reason: null }),
    onStatus: () => () => {},
    reconnectNow: () => {},
    close: () => {},
  }
}

export function jobsInState(count: number, state: JobState, firstId = 1): JobView[] {
  return Array.from({ length: count }, (_, i) => makeJob(firstId + i, { state }))
}
