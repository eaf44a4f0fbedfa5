// Stop control on its own, over a fake clock (vitest's fake timers; stop control is pure
// timing, with no I/O): each named timer, and the interactions that bit before — retry after an
// executor died (ed34470, 6174834), a job waiting in a serial worker behind a running one
// (a027c6e), and a stop request before the start report (ed34470).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobState } from '../../src/shared/job.ts'
import { StopControl, type StopReason } from '../../src/main/engine/stop-control.ts'

const GRACE = 300
const BACKOFF = 100

interface Job {
  id: number
  timeoutMs: number
  state: JobState
  workerId: number
  attempts: number
  stopping: StopReason | null
}

class Target {
  readonly cancels: [number, StopReason][] = []
  exited = false
  readonly load = { running: 0 }
  readonly id: number
  readonly mode: 'serial' | 'concurrent'
  constructor(id: number, mode: 'serial' | 'concurrent' = 'serial') {
    this.id = id
    this.mode = mode
  }
  cancel(jobId: number, reason: StopReason): void {
    this.cancels.push([jobId, reason])
  }
}

function setUp(targets: Target[]) {
  const forced: [number, number][] = []
  const overdue: [number, number][] = []
  const requeued: number[] = []
  const stop = new StopControl<Job, Target>(
    {
      executorOf: (job) => targets.find((t) => t.id === job.workerId),
      force: (job, target) => forced.push([job.id, target.id]),
      overdue: (job, target) => overdue.push([job.id, target.id]),
      requeue: (job) => requeued.push(job.id),
    },
    { graceMs: GRACE, retryBackoffMs: BACKOFF },
  )
  return { stop, forced, overdue, requeued }
}

const job = (fields: Partial<Job> = {}): Job => ({
  id: 1,
  timeoutMs: 200,
  state: 'queued',
  workerId: 0,
  attempts: 0,
  stopping: null,
  ...fields,
})

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('stop control', () => {
  it('asks a running job to stop at its timeout, and ends its executor after the grace', () => {
    const a = new Target(1)
    const { stop, forced } = setUp([a])
    const j = job({ workerId: 1 })
    stop.handedOff(j, a)
    j.state = 'running'
    a.load.running = 1
    stop.started(j)
    vi.advanceTimersByTime(199)
    expect(a.cancels).toEqual([])
    vi.advanceTimersByTime(1)
    expect(a.cancels).toEqual([[1, 'timeout']])
    expect(j.stopping).toBe('timeout')
    vi.advanceTimersByTime(GRACE)
    expect(forced).toEqual([[1, 1]])
  })

  it('does not end the executor when the job stopped within its grace', () => {
    const a = new Target(1)
    const { stop, forced } = setUp([a])
    const j = job({ workerId: 1, state: 'running' })
    a.load.running = 1
    stop.stop(j, 'cancel')
    j.state = 'cancelled'
    stop.clear(j)
    vi.advanceTimersByTime(GRACE * 10)
    expect(forced).toEqual([])
  })

  it('watches a job whose start is never reported, for timeoutMs + grace from hand-off', () => {
    const a = new Target(1)
    const { stop, overdue } = setUp([a])
    const j = job({ workerId: 1 })
    stop.handedOff(j, a)
    vi.advanceTimersByTime(200 + GRACE - 1)
    expect(overdue).toEqual([])
    vi.advanceTimersByTime(1)
    expect(overdue).toEqual([[1, 1]])
  })

  it('replaces the hand-off watchdog with the timeout once the start is reported', () => {
    const a = new Target(1)
    const { stop, overdue } = setUp([a])
    const j = job({ workerId: 1, timeoutMs: 1000 })
    stop.handedOff(j, a)
    j.state = 'running'
    a.load.running = 1
    stop.started(j)
    vi.advanceTimersByTime(1000 + GRACE + 1)
    expect(overdue).toEqual([])
    expect(a.cancels).toEqual([[1, 'timeout']])
  })

  it('retry after an executor died: the job is watched again on its next executor, not the dead one', () => {
    const a = new Target(1)
    const b = new Target(2)
    const { stop, overdue } = setUp([a, b])
    const j = job({ workerId: 1 })
    stop.handedOff(j, a)
    vi.advanceTimersByTime(100)
    // a dies; the job goes back to the queue (its timers belonged to a) and then to b.
    a.exited = true
    j.workerId = 0
    stop.clear(j)
    j.workerId = 2
    stop.handedOff(j, b)
    vi.advanceTimersByTime(200 + GRACE - 1)
    expect(overdue).toEqual([])
    vi.advanceTimersByTime(1)
    expect(overdue).toEqual([[1, 2]])
  })

  it('a job waiting in a serial worker behind a running one is not stuck: it is looked at again later', () => {
    const a = new Target(1, 'serial')
    const { stop, overdue } = setUp([a])
    a.load.running = 1 // a long job runs ahead of this one
    const j = job({ workerId: 1 })
    stop.handedOff(j, a)
    vi.advanceTimersByTime((200 + GRACE) * 3)
    expect(overdue).toEqual([])
    a.load.running = 0 // the long one ended, and this one still never started
    vi.advanceTimersByTime(200 + GRACE)
    expect(overdue).toEqual([[1, 1]])
  })

  it('a concurrent worker holding a job it never started is stuck, whatever else runs on it', () => {
    const a = new Target(1, 'concurrent')
    const { stop, overdue } = setUp([a])
    a.load.running = 50
    const j = job({ workerId: 1 })
    stop.handedOff(j, a)
    vi.advanceTimersByTime(200 + GRACE)
    expect(overdue).toEqual([[1, 1]])
  })

  it('a stop request before the start report: a busy serial worker drops it later, so no grace yet', () => {
    const a = new Target(1, 'serial')
    const { stop, forced } = setUp([a])
    a.load.running = 1
    const j = job({ workerId: 1, timeoutMs: 0 })
    stop.stop(j, 'cancel')
    expect(a.cancels).toEqual([[1, 'cancel']])
    vi.advanceTimersByTime(GRACE * 5)
    expect(forced).toEqual([])
    // It starts anyway (the cancel crossed its start): now it gets its grace, then its executor ends.
    j.state = 'running'
    a.load.running = 2
    stop.started(j)
    expect(a.cancels).toEqual([
      [1, 'cancel'],
      [1, 'cancel'],
    ])
    vi.advanceTimersByTime(GRACE)
    expect(forced).toEqual([[1, 1]])
  })

  it('a stop request to an idle executor that never answers ends it after the grace', () => {
    const a = new Target(1)
    const { stop, forced } = setUp([a])
    const j = job({ workerId: 1, timeoutMs: 0 })
    stop.stop(j, 'cancel')
    vi.advanceTimersByTime(GRACE)
    expect(forced).toEqual([[1, 1]])
  })

  it('a stop request for a job no executor holds does nothing', () => {
    const { stop, forced } = setUp([])
    const j = job({ workerId: 7 })
    stop.stop(j, 'cancel')
    vi.advanceTimersByTime(GRACE * 2)
    expect(forced).toEqual([])
    expect(j.stopping).toBe(null)
  })

  it('backs off before a retry, doubling per attempt up to a minute, and clear() cancels it', () => {
    const { stop, requeued } = setUp([])
    const j = job({ attempts: 3 })
    stop.backoff(j)
    vi.advanceTimersByTime(BACKOFF * 4 - 1)
    expect(requeued).toEqual([])
    vi.advanceTimersByTime(1)
    expect(requeued).toEqual([1])
    const k = job({ id: 2, attempts: 30 })
    stop.backoff(k)
    vi.advanceTimersByTime(60_000)
    expect(requeued).toEqual([1, 2])
    const l = job({ id: 3, attempts: 1 })
    stop.backoff(l)
    expect(stop.pending(l)).toBe(true)
    stop.clear(l)
    vi.advanceTimersByTime(BACKOFF * 10)
    expect(requeued).toEqual([1, 2])
  })

  it('does not arm a hand-off watchdog for a job without a timeout', () => {
    const a = new Target(1)
    const { stop } = setUp([a])
    const j = job({ workerId: 1, timeoutMs: 0 })
    stop.handedOff(j, a)
    expect(stop.pending(j)).toBe(false)
  })
})
