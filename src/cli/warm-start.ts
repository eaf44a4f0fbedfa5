// What `corelane run` starts before it opens the data folder: the store's thread, and the
// worker processes its first jobs will run on. Each takes 40–60 ms to start, as long as the
// rest of a one-job run's start-up together; started here, they start while the folder is
// locked and the database opened instead of one after the other (README, "Shell jobs,
// start-up and long batches"). Nothing started here holds the process open until it is used.
import { availableParallelism } from 'node:os'
import { isKindName, kindCatalog } from '../shared/kinds.ts'
import type { BatchFile } from '../shared/schemas.ts'
import {
  localWorkerSetup,
  prestartProcesses,
  startStoreThread,
  type PrestartedHost,
  type StoreThread,
} from '../main/engine/index.ts'
import { streamTotal } from './run-start.ts'

export interface WarmStart {
  /** The store's thread, for openPersistentEngine's storeThread. */
  thread: StoreThread
  /** The engine's process host: serves the started worker processes first. */
  processHost: PrestartedHost
  /** Ends whatever was started and not taken (the run failed before, or needed fewer). */
  dispose(): void
}

type Options = { lane?: unknown; executor?: unknown; memoryMb?: unknown }

/** Whether a job (as the batch file gives it, not yet checked) runs on a CPU-lane process worker of the shared pool. */
function onProcessWorker(job: unknown, defaults: Options): boolean {
  if (job === null || typeof job !== 'object') return false
  const spec = { ...defaults, ...(job as Options & { kind?: unknown }) }
  const kind = (job as { kind?: unknown }).kind
  if (typeof kind !== 'string' || !isKindName(kind)) return false
  // A job with a memory ceiling gets a worker of its own, started with its limit: not one of these.
  if (spec.memoryMb !== undefined && spec.memoryMb !== 0) return false
  const info = kindCatalog[kind]
  const lane = spec.lane ?? info.lane
  const executor = spec.executor ?? info.executor
  return lane === 'cpu' && (executor === 'process' || (executor === 'auto' && info.executor === 'process'))
}

/**
 * How many CPU-lane process workers the batch's first jobs start at once: one per such job,
 * at most one per slot. `defaults`: the batch's, with --executor in them.
 */
export function processWorkersFor(batch: BatchFile, defaults: Options, slots: number): number {
  return firstProcessJobs(batch, defaults, slots).length
}

/** Whether shell jobs are among those first jobs: their workers then start a shell server while they wait. */
export function shellJobsFirst(batch: BatchFile, defaults: Options, slots: number): boolean {
  return firstProcessJobs(batch, defaults, slots).some((job) => (job as { kind: string }).kind === 'shell')
}

/** The batch's first jobs that start CPU-lane process workers, at most one per slot. */
function firstProcessJobs(batch: BatchFile, defaults: Options, slots: number): unknown[] {
  // A template's jobs all have the template's kind and options.
  const total = batch.jobs ? batch.jobs.length : Math.min(slots, streamTotal(batch) ?? slots)
  const jobs: unknown[] = []
  for (let i = 0; i < total && jobs.length < slots; i++) {
    const job = batch.jobs ? batch.jobs[i] : batch.template
    if (onProcessWorker(job, defaults)) jobs.push(job)
  }
  return jobs
}

/**
 * Starts the store's thread and `workers` worker processes for a run on `dataDir`, each with a
 * shell server of its own started too when `shell` (a run whose first jobs are shell jobs).
 */
export function warmStart(dataDir: string, workers: number, shell = false): WarmStart {
  const thread = startStoreThread()
  const setup = localWorkerSetup({ dataDir })
  const options = { execArgv: [], env: setup.env }
  const prepare = shell ? ({ t: 'prepare', shell: true } as const) : undefined
  const processHost = prestartProcesses(setup.processHost, setup.entries.process, options, workers, prepare)
  return {
    thread,
    processHost,
    dispose() {
      processHost.dispose()
      // Taken by the store, the thread was ended when the store closed; otherwise it ends here.
      void thread.worker.terminate()
    },
  }
}

/** The CPU slots a run gets when --cpu-slots does not say (as the engine's default). */
export const defaultSlots = (): number => availableParallelism()
