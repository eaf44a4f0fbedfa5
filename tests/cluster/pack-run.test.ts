// A pack run on a real engine (worker threads, a temp data folder), its report through JSON
// and the shared schema as a controller reads it: every job's start and end come back under
// the controller's ids with the engine's own times, whatever the wire made of them. No Redis:
// the host below routes the engine's changes to the run as the agent does.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AgentReportSchema, parseClusterMessage, WIRE_OK, type Pack } from '../../src/shared/cluster.ts'
import type { JobView } from '../../src/shared/job.ts'
import { PackRun, readTail, type PackHost } from '../../src/main/cluster/pack-run.ts'
import type { Engine } from '../../src/main/engine/index.ts'
import { EV_DONE, EV_DROPPED, EV_FAILED, EV_STARTED_ENDED, EVENT_WIDTH } from '../../src/main/engine/worker/protocol.ts'
import { makeEngine } from '../engine/fixture.ts'

function hostFor(engine: Engine, allowShell = false) {
  const runs = new Map<number, PackRun>()
  const heard = new Set<number>()
  let submits = 0
  const host: PackHost = {
    name: 'a1',
    engine,
    allowShell,
    allowScript: false,
    claim: (localId, run) => runs.set(localId, run),
    release: (localId) => runs.delete(localId),
    submitting: (delta) => {
      submits += delta
      if (submits === 0) heard.clear()
    },
    heardBeforeClaim: (localId) => heard.delete(localId),
  }
  engine.subscribe((changes) => {
    for (const view of changes.jobs) {
      const run = runs.get(view.id)
      if (run) run.changed(view)
      else if (submits > 0) heard.add(view.id)
    }
  })
  engine.onJobSettled((view: JobView) => {
    const run = runs.get(view.id)
    if (run) run.settled(view)
    else if (submits > 0) heard.add(view.id)
  })
  return host
}

/** Jobs as a controller sends them: [id, kind, params, attempt] (a ceiling as a fifth item only when there is one). */
type Job = [number, string, Record<string, unknown>, number]

async function runPack(engine: Engine, jobs: Job[]) {
  const run = new PackRun(hostFor(engine), { v: 1, controller: 'c1', pack: 1, jobs: jobs as unknown as Pack['jobs'] })
  await run.run(new Map())
  const wire = JSON.stringify(run.result())
  const parsed = parseClusterMessage(AgentReportSchema, wire)
  if (!parsed.ok) throw new Error(parsed.error)
  return { wire, events: parsed.value.e }
}

/** The decoded events of one controller job id: [code, ...fields] each. */
function eventsOf(events: unknown[], cid: number): unknown[][] {
  const out: unknown[][] = []
  for (let i = 0; i < events.length;) {
    const code = events[i] as number
    const size = EVENT_WIDTH[code]!
    if (events[i + 1] === cid) out.push(events.slice(i, i + size))
    i += size
  }
  return out
}

describe('a pack run and its report', () => {
  it('reports a pack of alike no-ops as short successes, with the engine’s times', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const jobs: Job[] = Array.from({ length: 300 }, (_, i) => [1001 + i, 'noop', {}, 1])
    const { wire, events } = await runPack(engine, jobs)
    const local = engine.listJobs({}).jobs
    expect(local).toHaveLength(300)
    // One template for the lot: the engine made them from one spec, in the pack's order.
    expect(new Set(local.map((j) => j.batchId)).size).toBe(1)
    expect(JSON.parse(wire).e.filter((x: unknown) => x === WIRE_OK).length).toBeGreaterThanOrEqual(300)
    local.sort((a, b) => a.id - b.id)
    for (const [k, view] of local.entries()) {
      expect(view.state).toBe('succeeded')
      expect(eventsOf(events, 1001 + k)).toEqual([
        [EV_STARTED_ENDED, 1001 + k, view.startedAt],
        [EV_DONE, 1001 + k, view.endedAt, null, null, false],
      ])
    }
  })

  it('keeps results, refusals and a bad job’s own failure in a mixed pack', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const { events } = await runPack(engine, [
      [1, 'sum-squares', { n: 1000 }, 1],
      [2, 'sum-squares', { n: 'lots' }, 1],
      [3, 'shell', { command: 'true' }, 1],
      [4, 'noop', {}, 2],
    ])
    const byName = (cid: number) => engine.listJobs({}).jobs.find((j) => j.name === `#${cid}`)
    const sum = byName(1)!
    expect(eventsOf(events, 1)).toEqual([
      [EV_STARTED_ENDED, 1, sum.startedAt],
      [EV_DONE, 1, sum.endedAt, sum.result, null, false],
    ])
    expect(sum.result).not.toBeNull()
    const [start2, end2] = eventsOf(events, 2)
    expect(start2![0]).toBe(EV_STARTED_ENDED)
    expect(end2!.slice(0, 4)).toEqual([EV_FAILED, 2, start2![2], 'invalid-params'])
    expect(end2![4]).toMatch(/^params\.n/)
    const [, end3] = eventsOf(events, 3)
    expect(end3!.slice(3, 5)).toEqual(['job-error', 'agent a1 does not run shell jobs (start it with --allow-shell)'])
    const noop = byName(4)!
    expect(eventsOf(events, 4)).toEqual([
      [EV_STARTED_ENDED, 4, noop.startedAt],
      [EV_DONE, 4, noop.endedAt, null, null, false],
    ])
  })

  it('ships every log once, in a flush and in the return value, when flushes land while logs are read', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1, ioConcurrency: 4 })
    const cids = Array.from({ length: 24 }, (_, i) => 501 + i)
    const jobs = cids.map((cid): Job => [
      cid,
      'shell',
      { argv: ['sh', '-c', `printf 'out ${cid}\\n'; printf 'err ${cid}\\n' >&2`] },
      1,
    ])
    const run = new PackRun(hostFor(engine, true), { v: 1, controller: 'c1', pack: 1, jobs: jobs as unknown as Pack['jobs'] })
    // The agent flushes on a timer; here as often as the loop turns, so flushes fall between
    // the steps of each log's read (open, stat, read, the stderr sidecar, close).
    const flushed: unknown[] = []
    let running = true
    const flush = () => {
      const report = run.takePending()
      if (report) flushed.push(...JSON.parse(JSON.stringify(report)).logs)
      if (running) setImmediate(flush)
    }
    setImmediate(flush)
    await run.run(new Map())
    running = false
    const wire = JSON.stringify(run.result())
    const parsed = parseClusterMessage(AgentReportSchema, wire)
    expect(parsed.ok ? 'valid' : parsed.error).toBe('valid')
    const expected = cids.map((cid) => [
      cid,
      `out ${cid}\nerr ${cid}\n`,
      [`out ${cid}\n`.length, `out ${cid}\nerr ${cid}\n`.length],
    ])
    const byId = (logs: unknown[]) => [...logs].sort((a, b) => (a as [number])[0] - (b as [number])[0])
    expect(byId(JSON.parse(wire).logs)).toEqual(expected)
    flush()
    expect(byId(flushed)).toEqual(expected)
  })

  it('ships a line saying why when a log cannot be read, rather than leaving the pack unfinished', async () => {
    // A folder where the log should be: it opens, and its read fails with EISDIR (a real
    // failure of the filesystem, as an I/O error would be).
    const [text, stderr] = await readTail(tmpdir())
    expect(text).toMatch(/^\[the log could not be read on the agent: EISDIR.*\]\n$/)
    expect(stderr).toEqual([])
    expect(await readTail(join(tmpdir(), 'no-such-corelane-log'))).toEqual(['', []])
  })
})

/** A pack of `jobs` on a real engine, and the report of its return value (parsed as a controller does). */
function packOf(engine: Engine, jobs: Job[], allowShell = false) {
  const host = hostFor(engine, allowShell)
  const run = new PackRun(host, { v: 1, controller: 'c1', pack: 1, jobs: jobs as unknown as Pack['jobs'] })
  const report = () => {
    const parsed = parseClusterMessage(AgentReportSchema, JSON.stringify(run.result()))
    if (!parsed.ok) throw new Error(parsed.error)
    return parsed.value.e
  }
  return { run, report }
}

/** Its end as a cancelled job's: dropped before it started, or failed as cancelled. Never done. */
function expectCancelled(events: unknown[], cid: number): void {
  const ends = eventsOf(events, cid).filter((e) => e[0] !== EV_STARTED_ENDED)
  expect(ends).toHaveLength(1)
  if (ends[0]![0] === EV_DROPPED) return
  expect(ends[0]!.slice(0, 1).concat(ends[0]!.slice(3, 5))).toEqual([EV_FAILED, 'cancelled', 'cancelled'])
}

/** Two jobs that would run for seconds: a test that ends in less has stopped them. */
const TWO_LONG_SLEEPS: Job[] = [
  [1, 'sleep', { ms: 4000 }, 1],
  [2, 'sleep', { ms: 4000 }, 1],
]

describe('cancels and a leaving agent, around the moment a pack is taken', () => {
  // The agent registers a pack before it reads the controller's cancelled set, so a cancel
  // can reach the run before any of its jobs is tracked. It used to walk the tracked jobs
  // only: the cancel was lost, the job ran on, and the controller ended its whole cluster
  // executor after the cancel grace.
  it('a cancel that comes before the run begins (while the cancelled set is read) leaves its job out', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const { run, report } = packOf(engine, [
      [1, 'sleep', { ms: 4000 }, 1],
      [2, 'noop', {}, 1],
    ])
    run.cancel([1, 99], 'cancel') // 99 is another pack's: ignored
    const t0 = Date.now()
    await run.run(new Map())
    expect(Date.now() - t0).toBeLessThan(3000)
    const events = report()
    expect(eventsOf(events, 1)).toEqual([[EV_DROPPED, 1]])
    expect(eventsOf(events, 2).at(-1)![0]).toBe(EV_DONE)
    expect(eventsOf(events, 99)).toEqual([])
  })

  it('a cancel that comes while the local engine takes the submit stops its job as it is tracked', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const { run, report } = packOf(engine, TWO_LONG_SLEEPS)
    const t0 = Date.now()
    const running = run.run(new Map())
    // run() is now awaiting engine.submit: nothing is tracked yet.
    run.cancel([2], 'cancel')
    run.cancel([1], 'cancel')
    await running
    expect(Date.now() - t0).toBeLessThan(3000)
    const events = report()
    expectCancelled(events, 1)
    expectCancelled(events, 2)
  })

  it('abandoned while the submit is under way: its jobs are stopped as they are tracked, and the pack goes back', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const { run, report } = packOf(engine, TWO_LONG_SLEEPS)
    const t0 = Date.now()
    const running = run.run(new Map())
    run.abandon()
    await running
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(run.handsBack).toBe(true)
    expect(run.remainder().jobs.map((job) => job[0])).toEqual([1, 2])
    // Nothing is reported for them: they run again on another agent.
    const events = report()
    expect(eventsOf(events, 1).filter((e) => e[0] !== EV_STARTED_ENDED)).toEqual([])
    expect(eventsOf(events, 2).filter((e) => e[0] !== EV_STARTED_ENDED)).toEqual([])
  })

  it('abandoned before the run begins: nothing runs here and all of it goes back', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    const { run, report } = packOf(engine, [[1, 'noop', {}, 1]])
    run.abandon()
    await run.run(new Map())
    expect(run.handsBack).toBe(true)
    expect(run.remainder().jobs.map((job) => job[0])).toEqual([1])
    expect(engine.listJobs({}).total).toBe(0)
    expect(report()).toEqual([])
  })

  // leave() abandons every pack still held. One whose jobs had all ended, with a log still
  // being read, was handed back too: every job of it ran a second time on another agent.
  it('abandoned once every job has ended (a log still being read): the pack is not handed back', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1, ioConcurrency: 2 })
    const { run, report } = packOf(engine, [[7, 'shell', { argv: ['sh', '-c', 'echo logged'] }, 1]], true)
    // After the host's own listener: the run has the end and has begun to read the log.
    engine.onJobSettled(() => run.abandon())
    await run.run(new Map())
    expect(run.handsBack).toBe(false)
    const events = report()
    expect(eventsOf(events, 7).at(-1)!.slice(0, 2)).toEqual([EV_DONE, 7])
    expect(run.result().logs.map((log) => log[0])).toEqual([7])
  })

  it('abandoned while a job runs: the pack goes back cut down to that job, the ones that ended stay reported', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1, ioConcurrency: 4 })
    const { run, report } = packOf(engine, [
      [1, 'noop', {}, 1],
      [2, 'sleep', { ms: 4000 }, 1],
    ])
    const running = run.run(new Map())
    engine.onJobSettled((view) => {
      if (view.kind === 'noop') run.abandon()
    })
    await running
    expect(run.handsBack).toBe(true)
    // The agent writes this as the pack's data before it goes back: job 1 does not run twice.
    expect(run.remainder().jobs.map((job) => job[0])).toEqual([2])
    const events = report()
    expect(eventsOf(events, 1).at(-1)![0]).toBe(EV_DONE)
    expect(eventsOf(events, 2).filter((e) => e[0] !== EV_STARTED_ENDED)).toEqual([])
  })
})
