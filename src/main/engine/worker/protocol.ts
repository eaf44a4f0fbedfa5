// The message protocol between the engine and its workers: the messages, and the encoder the
// worker runtime writes its flat event runs with and the decoder the engine reads them with,
// both following the event layout (field order, hence widths) that src/shared/worker-events.ts
// declares as data, re-exported here. Threads, processes and remote executors speak it alike,
// so an executor is just "something that takes jobs and reports events". Events travel
// flattened in one array per flush: batching is what makes short jobs cheap.
import type { ExecutorType, JobError, ResultFileRef } from '../../../shared/job.ts'
import {
  EV_COMMAND,
  EV_COMMAND_ENDED,
  EV_DONE,
  EV_DROPPED,
  EV_FAILED,
  EV_LATE_ERROR,
  EV_PROGRESS,
  EV_STARTED,
  EV_STARTED_ENDED,
  EVENT_WIDTH,
} from '../../../shared/worker-events.ts'

/** How a worker runs what it is given: one job after another (CPU lane) or all at once (I/O lane). */
export type WorkerMode = 'serial' | 'concurrent'

export interface WorkerInit {
  workerId: number
  executor: ExecutorType
  mode: WorkerMode
  dataDir: string
  /**
   * A secret per worker that every message of its runtime carries, so the engine can tell the
   * runtime's events from lookalikes a user script posts on the same channel. The entry keeps
   * it where job code cannot reach it (it is deleted from workerData before any job runs).
   */
  key: string
  /** The engine run's part of the tag its jobs' processes carry in their environment (tagged-processes.ts). */
  tagRun: string
  /**
   * Thread workers only: a shared counter the engine bumps after every message it posts, so an
   * idle worker can wait on it with Atomics.wait and take the message at once, instead of
   * waiting for its event loop to wake (that wake-up is most of a round trip's latency).
   */
  wake?: Int32Array
  /** Thread workers only: the pool's spin gate (executors/spin-gate.ts), 1 while an idle worker may watch `wake` before it blocks. */
  spinGate?: Int32Array
}

/** What the runtime itself sees of its init: everything but the key, which stays with the entry. */
export type RuntimeInit = Omit<WorkerInit, 'key'>

/**
 * One job handed to a worker: [id, kind, params, attempt], and its memory ceiling (MiB) when it
 * has one (a local worker was started with it; a remote machine's engine starts one so). A
 * tuple keeps the message small.
 */
export type JobMessage = [id: number, kind: string, params: Record<string, unknown>, attempt: number, memoryMb?: number]

export type ToWorker =
  | { t: 'init'; init: WorkerInit }
  | { t: 'run'; jobs: JobMessage[] }
  | { t: 'cancel'; id: number; reason: 'cancel' | 'timeout' }
  | { t: 'stop' }
  /**
   * To a worker process started before its jobs were handed out (prestarted-processes.ts),
   * before its init: what its first jobs will need, to start meanwhile (`shell`: a shell server).
   */
  | { t: 'prepare'; shell: boolean }

/** What the runtime posts, before the entry seals it with the worker's key. */
export type RuntimeMessage = { t: 'hello'; pid: number; tid: number | null; executor: ExecutorType } | { t: 'ev'; e: unknown[] }

/** What arrives at the engine: a runtime message with the worker's key (`k`). */
export type FromWorker = RuntimeMessage & { k: string }

export type FailureCode = JobError['code']

// ---- the event layout --------------------------------------------------------------------
// Each event is its type code followed by its fields, in the order EVENT_FIELDS declares
// (src/shared/worker-events.ts, where every layer can read it). The encoder and the decoder
// below follow it, and elsewhere events are written with EventWriter (the worker runtime; the
// cluster, whose ReportWriter adds the agent wire's own codes) and read with readEvents, but
// for two readers that step through runs by position, with widths and field offsets worked
// out from the declaration: the report schema (shared/report-events.ts) and the controller's
// report filter (cluster/report-filter.ts).

export * from '../../../shared/worker-events.ts'

// ---- encoder (the worker runtime) --------------------------------------------------------

/** Builds one flush's run of events. */
export class EventWriter {
  /** Protected for the agent's report writer, which adds its wire's own codes (cluster/report-writer.ts). */
  protected items: unknown[] = []

  get length(): number {
    return this.items.length
  }

  /** Returns where the event sits, so startedEnded can rewrite it while it is still unsent. */
  started(id: number, at: number): number {
    const slot = this.items.length
    this.items.push(EV_STARTED, id, at)
    return slot
  }

  startedEnded(slot: number): void {
    this.items[slot] = EV_STARTED_ENDED
  }

  /** A start whose end follows in the same run (one not written before, as the cluster's are). */
  startedWithEnd(id: number, at: number): void {
    this.items.push(EV_STARTED_ENDED, id, at)
  }

  done(id: number, at: number, result: unknown, resultFile: ResultFileRef | null, hasLog: boolean): void {
    this.items.push(EV_DONE, id, at, result, resultFile, hasLog)
  }

  failed(id: number, at: number, code: FailureCode, message: string, hasLog: boolean): void {
    this.items.push(EV_FAILED, id, at, code, message, hasLog)
  }

  progress(id: number, fraction: number, note: string | null): void {
    this.items.push(EV_PROGRESS, id, fraction, note)
  }

  dropped(id: number): void {
    this.items.push(EV_DROPPED, id)
  }

  lateError(id: number, message: string, hasLog: boolean): void {
    this.items.push(EV_LATE_ERROR, id, message, hasLog)
  }

  command(id: number, pgid: number, since: number): void {
    this.items.push(EV_COMMAND, id, pgid, since)
  }

  commandEnded(pgid: number): void {
    this.items.push(EV_COMMAND_ENDED, pgid)
  }

  /** Hands over what was written and starts a new run. */
  take(): unknown[] {
    const items = this.items
    this.items = []
    return items
  }
}

// ---- decoder (the engine) ----------------------------------------------------------------

/**
 * What the engine does with each event. Fields arrive as they travelled (unknown): a user
 * script shares its worker, so the reader checks them (event-fields.ts) before they touch a job.
 */
export interface EventReader {
  started(id: unknown, at: unknown, ending: boolean): void
  done(id: unknown, at: unknown, result: unknown, resultFile: unknown, hasLog: unknown): void
  failed(id: unknown, at: unknown, code: unknown, message: unknown, hasLog: unknown): void
  progress(id: unknown, fraction: unknown, note: unknown): void
  dropped(id: unknown): void
  lateError(id: unknown, message: unknown, hasLog: unknown): void
  command(id: unknown, pgid: unknown, since: unknown): void
  commandEnded(pgid: unknown): void
}

/**
 * Reads events from `from` until the end or until `deadline` (performance.now()) has passed,
 * checking the clock every 256 events. Returns where it stopped (e.length when done). An
 * unknown type code (another protocol version) ends the run.
 */
export function readEvents(e: unknown[], from: number, reader: EventReader, deadline = Infinity): number {
  let i = from
  let read = 0
  while (i < e.length) {
    if ((++read & 255) === 0 && performance.now() > deadline) break
    const type = e[i] as number
    switch (type) {
      case EV_STARTED:
      case EV_STARTED_ENDED:
        reader.started(e[i + 1], e[i + 2], type === EV_STARTED_ENDED)
        break
      case EV_DONE:
        reader.done(e[i + 1], e[i + 2], e[i + 3], e[i + 4], e[i + 5])
        break
      case EV_FAILED:
        reader.failed(e[i + 1], e[i + 2], e[i + 3], e[i + 4], e[i + 5])
        break
      case EV_PROGRESS:
        reader.progress(e[i + 1], e[i + 2], e[i + 3])
        break
      case EV_DROPPED:
        reader.dropped(e[i + 1])
        break
      case EV_LATE_ERROR:
        reader.lateError(e[i + 1], e[i + 2], e[i + 3])
        break
      case EV_COMMAND:
        reader.command(e[i + 1], e[i + 2], e[i + 3])
        break
      case EV_COMMAND_ENDED:
        reader.commandEnded(e[i + 1])
        break
      default:
        return e.length
    }
    i += EVENT_WIDTH[type]!
  }
  return i
}
