// The event layout is declared once (src/shared/worker-events.ts) and every writer and reader
// of event runs follows it: the protocol's EventWriter and readEvents, the agent's compact
// report form (ReportWriter, decoded by the shared report schema) and the controller's report
// filter. Each test puts real events through real code and compares what comes out with what
// went in, so a writer or reader that restates the layout differently fails here.
import { describe, expect, it } from 'vitest'
import { AgentReportSchema, parseClusterMessage, WIRE_BASE, WIRE_OK } from '../../src/shared/cluster.ts'
import type { ResultFileRef } from '../../src/shared/job.ts'
import { EVENT_FIELDS, EVENT_WIDTH, MAX_EVENT_CODE, type EventCode } from '../../src/shared/worker-events.ts'
import { filterReport, type HeldJob } from '../../src/main/cluster/report-filter.ts'
import { ReportWriter } from '../../src/main/cluster/report-writer.ts'
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
  EventWriter,
  readEvents,
  type EventReader,
} from '../../src/main/engine/worker/protocol.ts'

type Values = Record<string, unknown>

/** Each event written through EventWriter's method for it, from its fields by name. */
const WRITE: Record<EventCode, (w: EventWriter, f: Values) => void> = {
  [EV_STARTED]: (w, f) => void w.started(f.id as number, f.at as number),
  [EV_STARTED_ENDED]: (w, f) => w.startedWithEnd(f.id as number, f.at as number),
  [EV_DONE]: (w, f) =>
    w.done(f.id as number, f.at as number, f.result, f.resultFile as ResultFileRef | null, f.hasLog as boolean),
  [EV_FAILED]: (w, f) =>
    w.failed(f.id as number, f.at as number, f.code as 'job-error', f.message as string, f.hasLog as boolean),
  [EV_PROGRESS]: (w, f) => w.progress(f.id as number, f.fraction as number, f.note as string | null),
  [EV_DROPPED]: (w, f) => w.dropped(f.id as number),
  [EV_LATE_ERROR]: (w, f) => w.lateError(f.id as number, f.message as string, f.hasLog as boolean),
  [EV_COMMAND]: (w, f) => w.command(f.id as number, f.pgid as number, f.since as number),
  [EV_COMMAND_ENDED]: (w, f) => w.commandEnded(f.pgid as number),
}

/** One event of each code, every field a value no other field of it has. */
const SAMPLES: [EventCode, Values][] = [
  [EV_STARTED, { id: 11, at: 1000 }],
  [EV_PROGRESS, { id: 11, fraction: 0.25, note: 'a quarter' }],
  [EV_DONE, { id: 11, at: 1004, result: { n: 3 }, resultFile: { file: '/r/11.json', bytes: 70_000 }, hasLog: true }],
  [EV_STARTED_ENDED, { id: 12, at: 1005 }],
  [EV_FAILED, { id: 12, at: 1006, code: 'timeout', message: 'timed out', hasLog: false }],
  [EV_DROPPED, { id: 13 }],
  [EV_LATE_ERROR, { id: 14, message: 'late', hasLog: true }],
  [EV_COMMAND, { id: 15, pgid: 4242, since: 77 }],
  [EV_COMMAND_ENDED, { pgid: 4242 }],
]
/** The ones an agent's report carries (its command groups and late errors stay on its machine). */
const REPORTED = new Set<number>([EV_STARTED, EV_STARTED_ENDED, EV_DONE, EV_FAILED, EV_PROGRESS, EV_DROPPED])

/** What readEvents hands a reader, as [method, ...arguments] per event. */
function read(e: unknown[]): unknown[][] {
  const calls: unknown[][] = []
  const record =
    (method: string) =>
    (...args: unknown[]) =>
      void calls.push([method, ...args])
  const reader: EventReader = {
    started: record('started'),
    done: record('done'),
    failed: record('failed'),
    progress: record('progress'),
    dropped: record('dropped'),
    lateError: record('lateError'),
    command: record('command'),
    commandEnded: record('commandEnded'),
  }
  expect(readEvents(e, 0, reader)).toBe(e.length)
  return calls
}

/** The reader call an event's fields should give, in EVENT_FIELDS' order. */
function expectedCall(code: EventCode, f: Values): unknown[] {
  const fields = EVENT_FIELDS[code].map((name) => f[name])
  const method = {
    [EV_STARTED]: 'started',
    [EV_STARTED_ENDED]: 'started',
    [EV_DONE]: 'done',
    [EV_FAILED]: 'failed',
    [EV_PROGRESS]: 'progress',
    [EV_DROPPED]: 'dropped',
    [EV_LATE_ERROR]: 'lateError',
    [EV_COMMAND]: 'command',
    [EV_COMMAND_ENDED]: 'commandEnded',
  }[code]
  return code === EV_STARTED || code === EV_STARTED_ENDED ? [method, ...fields, code === EV_STARTED_ENDED] : [method, ...fields]
}

describe('the event layout', () => {
  it('is written by EventWriter field by field where EVENT_FIELDS puts it, and read back by readEvents in that order', () => {
    expect(new Set(SAMPLES.map(([code]) => code))).toEqual(new Set(Object.keys(EVENT_FIELDS).map(Number)))
    const w = new EventWriter()
    for (const [code, f] of SAMPLES) {
      const at = w.length
      WRITE[code](w, f)
      expect(w.length - at).toBe(EVENT_WIDTH[code])
    }
    const e = w.take()
    let at = 0
    for (const [code, f] of SAMPLES) {
      expect(e.slice(at, at + EVENT_WIDTH[code]!)).toEqual([code, ...EVENT_FIELDS[code].map((name) => f[name])])
      at += EVENT_WIDTH[code]!
    }
    expect(read(e)).toEqual(SAMPLES.map(([code, f]) => expectedCall(code, f)))
  })

  it('comes back equal through an agent’s compact report: ReportWriter, JSON, the report schema, readEvents', () => {
    const base = 1_796_137_767_420
    const compact = new ReportWriter(base)
    const plain = new EventWriter()
    for (const [code, f] of SAMPLES) {
      if (!REPORTED.has(code)) continue
      WRITE[code](compact, { ...f, ...('at' in f ? { at: (f.at as number) - 1000 } : {}) })
      WRITE[code](plain, { ...f, ...('at' in f ? { at: base + (f.at as number) - 1000 } : {}) })
    }
    // A short job's plain success: one WIRE_OK on the wire, a start and a DONE after it.
    compact.ok(16, 7, 9)
    plain.startedWithEnd(16, base + 7)
    plain.done(16, base + 9, null, null, false)
    const wire = compact.take()
    expect(wire.slice(0, 2)).toEqual([WIRE_BASE, base])
    expect(wire).toContain(WIRE_OK)
    const parsed = parseClusterMessage(AgentReportSchema, JSON.stringify({ agent: 'a1', e: wire }))
    if (!parsed.ok) throw new Error(parsed.error)
    const expected = plain.take()
    expect(parsed.value.e).toEqual(expected)
    expect(read(parsed.value.e)).toEqual(read(expected))
    // The writer starts its next run with the base again.
    expect(compact.hasEvents).toBe(false)
    expect(compact.take()).toEqual([WIRE_BASE, base])
  })

  it('is refused in a report for the events agents keep, and the wire’s own codes lie above the protocol’s', () => {
    expect(Math.min(WIRE_BASE, WIRE_OK)).toBeGreaterThan(MAX_EVENT_CODE)
    for (const [code, f] of SAMPLES) {
      if (REPORTED.has(code)) continue
      const w = new EventWriter()
      WRITE[code](w, f)
      const parsed = parseClusterMessage(AgentReportSchema, { agent: 'a1', e: w.take() })
      expect(parsed.ok || parsed.error).toBe(`e: at index 0: unknown event code ${code}`)
    }
  })

  it('keeps every event whole in the controller’s report filter, giving an end without a start one', () => {
    const jobs = new Map<number, HeldJob>()
    for (const id of [11, 12, 13, 16]) jobs.set(id, { pack: 'p1', started: false, machine: 'a1' })
    jobs.set(12, { pack: 'p1', started: true, machine: 'a1' })
    const settled: number[] = []
    const held = { jobs, place: () => {}, settle: (id: number) => void (settled.push(id), jobs.delete(id)) }
    const w = new EventWriter()
    w.progress(11, 0.1, null) // not started yet in the engine's eyes: dropped
    for (const [code, f] of SAMPLES) if (REPORTED.has(code)) WRITE[code](w, f)
    w.done(16, 1010, 5, null, false) // no start seen: it gains one at its end's time
    const e = w.take()
    const out = filterReport(held, 'p1', { agent: 'a1', e, logs: [] }, 0, true)
    const kept = new EventWriter()
    for (const [code, f] of SAMPLES) if (REPORTED.has(code) && code !== EV_STARTED_ENDED) WRITE[code](kept, f)
    kept.startedWithEnd(16, 1010)
    kept.done(16, 1010, 5, null, false)
    expect(out.events).toEqual(kept.take())
    expect(out.next).toBe(e.length)
    expect([...out.ended!]).toEqual([11, 12, 13, 16])
    expect(settled).toEqual([11, 12, 13, 16])
  })
})
