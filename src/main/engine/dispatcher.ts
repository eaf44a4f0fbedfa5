// Dispatch: after anything that may let a job start (a submit, a job's end, a resume, new
// limits), one microtask runs the balancer over each lane's queue and hands what it picks to
// the executors. It runs after every job that ends, so the balancer's inputs are made once
// per lane, not per dispatch.
import type { EngineLimits, Lane } from '../../shared/job.ts'
import { balance, type BalancedQueue, type BalanceInput, type KindCosts } from './balancer.ts'
import type { Executor } from './executors/executor.ts'
import type { WorkerPool } from './executors/worker-pool.ts'
import type { JobQueue } from './job-queue.ts'
import type { JobRecord } from './job-record.ts'
import type { JobStates } from './job-states.ts'
import type { StopControl } from './stop-control.ts'

export interface DispatchHost {
  readonly queues: Record<Lane, JobQueue<JobRecord>>
  readonly pool: WorkerPool
  readonly costs: KindCosts
  readonly stop: StopControl<JobRecord, Executor>
  readonly states: JobStates
  /** Paused or closed: nothing starts. */
  halted(): boolean
  limits(): EngineLimits
  /** The lane's queue as the balancer reads it (batch pauses and gates hold some jobs). */
  view(queue: JobQueue<JobRecord>): BalancedQueue<JobRecord>
}

export class Dispatcher {
  private readonly host: DispatchHost
  private scheduled = false
  private readonly inputs: BalanceInput<JobRecord, Executor>[]

  constructor(host: DispatchHost) {
    this.host = host
    this.inputs = [this.input('cpu'), this.input('io')]
  }

  /** Dispatches once the current task is done (many calls in one task: one dispatch). */
  schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(this.dispatch)
  }

  private readonly dispatch = (): void => {
    this.scheduled = false
    if (this.host.halted()) return
    const { inputs } = this
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!
      // An empty lane has nothing to balance (its views, paused or gated, are empty too): a
      // round trip dispatches twice and finds three of its four lanes empty.
      const queue = this.host.queues[input.lane]
      if (queue.size === 0) continue
      input.queue = this.host.view(queue)
      input.limits = this.host.limits()
      input.local = this.host.pool.local()
      input.external = this.host.pool.external()
      balance(input)
    }
  }

  private input(lane: Lane): BalanceInput<JobRecord, Executor> {
    const { pool } = this.host
    const input: BalanceInput<JobRecord, Executor> = {
      lane,
      queue: this.host.queues[lane],
      local: pool.local(),
      external: pool.external(),
      limits: this.host.limits(),
      usage: pool,
      costs: this.host.costs,
      spawn: (executor, spawnLane, memoryMb) => {
        const worker = pool.spawn(executor, spawnLane, memoryMb)
        input.local = pool.local() // the rest of this pass sees it (it may be sent a second batch)
        return worker
      },
      assign: this.assign,
    }
    return input
  }

  // Indexed loops here and in the balancer: below V8's top tier, for…of allocates per element.
  private readonly assign = (executor: Executor, jobs: JobRecord[]): void => {
    if (jobs.length === 0) return
    for (let i = 0; i < jobs.length; i++) this.host.stop.handedOff(jobs[i]!, executor)
    const error = this.host.pool.assign(executor, jobs)
    if (!error) return
    const now = Date.now()
    for (const job of jobs)
      this.host.states.finish(
        job,
        'failed',
        { code: 'job-error', message: `could not be sent to its worker: ${error.message}` },
        now,
      )
  }
}
