// The layout of the events workers report, as data: each event's type code and its fields in
// order (so its width). It is written here once, in the bottom layer, so that every reader and
// writer of a flat event run follows the same declaration: the protocol's encoder and decoder
// (src/main/engine/worker/protocol.ts), an agent report's wire form (report-events.ts) and the
// controller's filter of reports (src/main/cluster/report-filter.ts).

export const EV_STARTED = 1
export const EV_DONE = 2
export const EV_FAILED = 3
export const EV_PROGRESS = 4
/** Cancelled before it started. */
export const EV_DROPPED = 5
/**
 * Started, and its EV_DONE or EV_FAILED follows in the same message. The worker rewrites
 * EV_STARTED to this when a job ends before its start was sent, so the engine can skip the
 * passing "running" state (short jobs: one state change per job instead of two).
 */
export const EV_STARTED_ENDED = 6
/** Job code threw after its job had ended (a timer or promise it left behind): the job's fault, not its worker's. */
export const EV_LATE_ERROR = 7
/**
 * A command started in a process group of its own (`pgid`, which is its pid), and `since`, its
 * start time in clock ticks after boot (/proc/<pid>/stat field 22, 0 when unknown), so a pid
 * used again later is never taken for it. `id` 0 is the worker's own group (a process worker
 * leads one, holding a script's children). The engine keeps these so it can end the groups
 * whenever the worker ends, whatever ends it.
 */
export const EV_COMMAND = 8
/** The command leading group `pgid` has exited and was waited for: the engine forgets it. */
export const EV_COMMAND_ENDED = 9

/** Each event is its type code followed by these fields, in this order. */
export const EVENT_FIELDS = {
  [EV_STARTED]: ['id', 'at'],
  [EV_DONE]: ['id', 'at', 'result', 'resultFile', 'hasLog'],
  [EV_FAILED]: ['id', 'at', 'code', 'message', 'hasLog'],
  [EV_PROGRESS]: ['id', 'fraction', 'note'],
  [EV_DROPPED]: ['id'],
  [EV_STARTED_ENDED]: ['id', 'at'],
  [EV_LATE_ERROR]: ['id', 'message', 'hasLog'],
  [EV_COMMAND]: ['id', 'pgid', 'since'],
  [EV_COMMAND_ENDED]: ['pgid'],
} as const

export type EventCode = keyof typeof EVENT_FIELDS
export type EventField = (typeof EVENT_FIELDS)[EventCode][number]

/** The highest code in use: codes of other formats built on these (report-events.ts) start above it. */
export const MAX_EVENT_CODE = Math.max(...Object.keys(EVENT_FIELDS).map(Number))

/** A value for each number from 0 to MAX_EVENT_CODE, pushed one by one: a packed array, quick to index. */
function byCode(value: (fields: readonly string[] | undefined) => number): number[] {
  const out: number[] = []
  for (let code = 0; code <= MAX_EVENT_CODE; code++) out.push(value(EVENT_FIELDS[code as EventCode]))
  return out
}

/** How many array items each event takes (its code plus its fields), indexed by code; 0 for a number that is no code. */
export const EVENT_WIDTH: readonly number[] = byCode((fields) => (fields ? 1 + fields.length : 0))

/** The widest event's width. */
export const MAX_EVENT_WIDTH = Math.max(...EVENT_WIDTH)

/** Where `field` sits in a `code` event, counted from its code (1: the first field). Throws if it has none. */
export function fieldOffset(code: EventCode, field: EventField): number {
  const at = (EVENT_FIELDS[code] as readonly string[]).indexOf(field)
  if (at < 0) throw new Error(`event ${code} has no field ${field}`)
  return 1 + at
}

/** Where `field` sits in each event, indexed by code as EVENT_WIDTH is; 0 in events without it. */
export function fieldOffsets(field: EventField): readonly number[] {
  return byCode((fields) => (fields ? fields.indexOf(field) + 1 : 0))
}
