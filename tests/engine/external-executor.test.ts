// An executor added from outside (engine.addExecutor), as a cluster's remote machine will be:
// a stand-in at that edge that runs each job by answering with the protocol's events after a
// short wait. The engine around it is real (real local workers alongside it).
import { describe, expect, it } from 'vitest'
import { ExecutorLoad, EventWriter, type Executor, type ExecutorHooks, type JobMessage } from '../../src/main/engine/index.ts'
import type { WorkerView } from '../../src/shared/job.ts'
import { makeEngine, until } from './fixture.ts'

class StandInRemote implements Executor {
  readonly executor = 'thread' as const
  readonly lane = 'cpu' as const
  readonly mode = 'concurrent' as const
  readonly machine = 'stand-in'
  readonly load = new ExecutorLoad()
  exited = false
  held = 0
  mostHeld = 0
  readonly ran: number[] = []
  readonly id: number
  readonly capacity: number
  protected readonly hooks: ExecutorHooks
  private readonly answer: boolean
  constructor(id: number, hooks: ExecutorHooks, capacity: number, answer = true) {
    this.id = id
    this.hooks = hooks
    this.capacity = capacity
    this.answer = answer
    queueMicrotask(() => hooks.onHello(this, 0, null))
  }
  serves(lane: string): boolean {
    return lane === this.lane && !this.exited
  }
  run(jobs: JobMessage[]): void {
    this.held += jobs.length
    this.mostHeld = Math.max(this.mostHeld, this.held)
    if (!this.answer) return
    for (const [id] of jobs) {
      setTimeout(() => {
        if (this.exited) return
        const events = new EventWriter()
        events.started(id, Date.now() - 5)
        events.done(id, Date.now(), { on: this.machine }, null, false)
        this.held--
        this.ran.push(id)
        this.hooks.onEvents(this, events.take())
      }, 20)
    }
  }
  cancel(): void {}
  stop(): void {}
  terminate(): void {
    if (this.exited) return
    this.exited = true
    this.hooks.onExit(this, { code: null, signal: null, outOfMemory: false, message: 'the stand-in left' })
  }
  toView(): WorkerView {
    return {
      id: this.id,
      executor: this.executor,
      lane: this.lane,
      pid: null,
      tid: null,
      state: this.load.busy ? 'busy' : 'idle',
      running: this.load.running,
      jobIds: this.load.someRunningIds(),
      core: null,
      cpuPercent: null,
      cpuTimeMs: null,
      pinnedCore: null,
      startedAt: 0,
      jobsDone: this.load.jobsDone,
    }
  }
}

/**
 * A cluster's executor (a PlacingExecutor) whose jobs start on machine `east`, which then dies:
 * their pack is redone on `west`, which runs them to their end. As the RemoteExecutor does, it
 * reports only the first start, and names the machine it now runs each job on.
 */
class RedoneElsewhere extends StandInRemote {
  private readonly placed = new Map<number, string>()
  machineOf(jobId: number): string | null {
    return this.placed.get(jobId) ?? null
  }
  override run(jobs: JobMessage[]): void {
    const events = new EventWriter()
    for (const [id] of jobs) {
      this.placed.set(id, 'east')
      events.started(id, Date.now())
    }
    this.hooks.onEvents(this, events.take())
  }
  /** East has died; west ran every job it holds to its end. */
  redoAndFinish(): void {
    const events = new EventWriter()
    for (const id of this.placed.keys()) {
      this.placed.set(id, 'west')
      events.done(id, Date.now(), null, null, false)
    }
    this.hooks.onEvents(this, events.take())
  }
}

describe('an executor added from outside', () => {
  it('takes jobs up to its capacity once the local slots are busy, and reports them through the protocol', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    let remote: StandInRemote | null = null
    engine.addExecutor((id, hooks) => (remote = new StandInRemote(id, hooks, 3)))
    const { jobIds } = await engine.submit({ template: { kind: 'sum-squares', params: { n: 10 } }, count: 40 })
    await engine.whenSettled(jobIds)
    const views = jobIds.map((id) => engine.getJob(id)!)
    expect(views.every((job) => job.state === 'succeeded')).toBe(true)
    const onRemote = views.filter((job) => job.workerId === remote!.id)
    expect(onRemote.length).toBe(remote!.ran.length)
    expect(onRemote.length).toBeGreaterThan(0)
    for (const job of onRemote) expect(job.result).toEqual({ on: 'stand-in' })
    expect(remote!.mostHeld).toBeLessThanOrEqual(3)
    expect(engine.workers().some((w) => w.id === remote!.id)).toBe(true)
  })

  it('names the machine a job ended on when its cluster redid it elsewhere after it started', async () => {
    const { engine } = await makeEngine({ cpuSlots: 0, ioConcurrency: 0 })
    let remote: RedoneElsewhere | null = null
    engine.addExecutor((id, hooks) => (remote = new RedoneElsewhere(id, hooks, 10)))
    const { jobIds } = await engine.submit({ template: { kind: 'noop' }, count: 3 })
    await until(() => jobIds.every((id) => engine.getJob(id)!.machine === 'east'), 5000, 'the jobs running on east')
    remote!.redoAndFinish()
    await engine.whenSettled(jobIds)
    expect(jobIds.map((id) => engine.getJob(id)!)).toMatchObject(
      jobIds.map(() => ({ state: 'succeeded', attempts: 1, machine: 'west' })),
    )
  })

  it('puts back the jobs it held when it leaves, and they finish on local workers', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    let remote: StandInRemote | null = null
    engine.addExecutor((id, hooks) => (remote = new StandInRemote(id, hooks, 5, false)))
    const { jobIds } = await engine.submit({ template: { kind: 'sum-squares', params: { n: 10 } }, count: 12 })
    await until(() => remote!.held > 0, 5000, 'the stand-in holding jobs')
    remote!.terminate()
    await engine.whenSettled(jobIds)
    const views = jobIds.map((id) => engine.getJob(id)!)
    expect(views.map((job) => job.state)).toEqual(jobIds.map(() => 'succeeded'))
    expect(views.every((job) => job.workerId !== remote!.id)).toBe(true)
    expect(engine.workers().some((w) => w.id === remote!.id)).toBe(false)
  })
})
