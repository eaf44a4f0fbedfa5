// Which of a pack's reported events reach the engine. BullMQ delivers at least once (a pack
// whose agent died is redone elsewhere) and an agent's return value repeats the starts its
// progress data sent, so each job's start and end pass once:
// a second start, a second end, or events from a pack the job no longer belongs to are dropped.
import type { AgentReport } from '../../shared/cluster.ts'
import {
  EV_DONE,
  EV_DROPPED,
  EV_FAILED,
  EV_PROGRESS,
  EV_STARTED,
  EV_STARTED_ENDED,
  EVENT_WIDTH,
  MAX_EVENT_WIDTH,
  fieldOffset,
  fieldOffsets,
} from '../../shared/worker-events.ts'

/** Items of a report's flat events applied per turn of the loop (about 230 short jobs). */
export const REPORT_SLICE = 2048

// Positions in the events, from the protocol's layout (worker-events.ts), by code.
const ID_AT = fieldOffsets('id')
const TIME_AT = fieldOffsets('at')
/** The start an end may gain (a job the engine has not seen start). */
const START_WIDTH = EVENT_WIDTH[EV_STARTED_ENDED]!
const START_ID = fieldOffset(EV_STARTED_ENDED, 'id')
const START_TIME = fieldOffset(EV_STARTED_ENDED, 'at')
/** The most a run of events can grow by here: every end gaining a start. */
const GROWTH = Math.max(...[EV_DONE, EV_FAILED].map((code) => (EVENT_WIDTH[code]! + START_WIDTH) / EVENT_WIDTH[code]!))

export interface HeldJob {
  pack: string
  started: boolean
  machine: string | null
}

/** The executor's side: the jobs it holds, where one now runs, and one settled. */
export interface HeldJobs {
  jobs: ReadonlyMap<number, HeldJob>
  place(id: number, job: HeldJob, machine: string): void
  settle(id: number, job: HeldJob): void
}

/**
 * Keeps each job's first start and first end, from the pack it belongs to now (and says which
 * jobs ended, when asked: for their logs), for the items of `report.e` from `from` on, at most
 * REPORT_SLICE of them; `next` is where the next slice starts.
 */
export function filterReport(
  held: HeldJobs,
  packId: string,
  report: AgentReport,
  from: number,
  withEnded: boolean,
): { events: unknown[]; ended: Set<number> | null; next: number } {
  const e = report.e
  const until = from + REPORT_SLICE
  // Sized once for the most it can hold (every end may gain a start; the last event may run
  // past the slice's end), then cut to what it holds: an array grown push by push copies
  // itself again and again, and at 100,000 jobs that garbage held the loop.
  const events: unknown[] = new Array(Math.ceil((Math.min(e.length, until + MAX_EVENT_WIDTH - 1) - from) * GROWTH))
  let n = 0
  const ended = withEnded ? new Set<number>() : null
  let i = from
  while (i < e.length && i < until) {
    const type = e[i] as number
    const id = e[i + ID_AT[type]!] as number
    const size = EVENT_WIDTH[type]!
    const job = held.jobs.get(id)
    if (job && job.pack === packId) {
      // A pack redelivered to another agent: the job now runs (and ends) there.
      if (job.machine !== report.agent) held.place(id, job, report.agent)
      if (type === EV_STARTED || type === EV_STARTED_ENDED) {
        if (!job.started) {
          job.started = true
          for (let k = 0; k < size; k++) events[n++] = e[i + k]
        }
      } else if (type === EV_PROGRESS) {
        if (job.started) for (let k = 0; k < size; k++) events[n++] = e[i + k]
      } else {
        // An end: the job must have started in the engine's eyes first (its attempt counts).
        if (!job.started && type !== EV_DROPPED) {
          events[n] = EV_STARTED_ENDED
          events[n + START_ID] = id
          events[n + START_TIME] = e[i + TIME_AT[type]!]
          n += START_WIDTH
        }
        for (let k = 0; k < size; k++) events[n++] = e[i + k]
        held.settle(id, job)
        ended?.add(id)
      }
    }
    i += size
  }
  events.length = n
  return { events, ended, next: i }
}
