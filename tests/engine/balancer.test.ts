// The balancer on its own, with plain objects for the queue, the executors and their loads (no
// workers, no timers), as Piscina tests its balancer: which jobs go where, in what batch sizes.
import { describe, expect, it } from 'vitest'
import type { ExecutorType, Lane } from '../../src/shared/job.ts'
import { balance, IO_CHUNK, KindCosts, MAX_BATCH, TARGET_BATCH_MS, type BalanceInput } from '../../src/main/engine/balancer.ts'

interface Job {
  id: number
  kind: string
  executor: ExecutorType
  memoryMb: number
}

class FakeExecutor {
  static next = 1
  readonly id = FakeExecutor.next++
  readonly jobs: Job[] = []
  readonly batches: number[] = []
  expectedMs = 0
  leaving = false
  readonly lane: Lane
  readonly executor: ExecutorType
  readonly memoryMb: number
  readonly capacity: number
  batchesAtOnce?: number
  constructor(lane: Lane, executor: ExecutorType, memoryMb = 0, capacity = Infinity) {
    this.lane = lane
    this.executor = executor
    this.memoryMb = memoryMb
    this.capacity = capacity
  }
  get load() {
    return { busy: this.jobs.length > 0, size: this.jobs.length, expectedMs: this.expectedMs }
  }
  serves(lane: Lane, executor: ExecutorType): boolean {
    return this.lane === lane && this.executor === executor && this.memoryMb === 0 && !this.leaving
  }
}

function queueOf(jobs: Job[]) {
  return {
    get size() {
      return jobs.length
    },
    peek: () => jobs[0],
    shift: () => jobs.shift(),
  }
}

let nextJob = 1
const jobs = (count: number, kind = 'noop', extra: Partial<Job> = {}): Job[] =>
  Array.from({ length: count }, () => ({ id: nextJob++, kind, executor: 'thread' as const, memoryMb: 0, ...extra }))

/** Runs the balancer over `queued` with fake executors, and returns what it did. */
function run(
  lane: Lane,
  queued: Job[],
  options: Partial<BalanceInput<Job, FakeExecutor>> & { local?: FakeExecutor[]; external?: FakeExecutor[] } = {},
) {
  const local = options.local ?? []
  const external = options.external ?? []
  const spawned: FakeExecutor[] = []
  const usage = { busyCpu: local.filter((e) => e.lane === 'cpu' && e.load.busy).length, ioInFlight: 0 }
  const costs = options.costs ?? new KindCosts()
  balance<Job, FakeExecutor>({
    lane,
    queue: queueOf(queued),
    local,
    external,
    limits: options.limits ?? { cpuSlots: 2, ioConcurrency: 1000 },
    usage,
    costs,
    admit: options.admit,
    spawn: (executor, spawnLane, memoryMb) => {
      const created = new FakeExecutor(spawnLane, executor, memoryMb)
      spawned.push(created)
      local.push(created)
      return created
    },
    assign: (executor, taken) => {
      const local = !external.includes(executor)
      if (local && executor.lane === 'cpu' && !executor.load.busy) usage.busyCpu++
      if (local && executor.lane === 'io') usage.ioInFlight += taken.length
      executor.jobs.push(...taken)
      executor.batches.push(taken.length)
      executor.expectedMs += taken.reduce((sum, job) => sum + costs.estimate(job.kind), 0)
    },
  })
  return { spawned, usage, left: queued }
}

describe('balancer', () => {
  it('sends kinds it has never measured one at a time, one worker per slot', () => {
    const { spawned, left } = run('cpu', jobs(10))
    expect(spawned).toHaveLength(2)
    expect(spawned.map((e) => e.batches)).toEqual([[1], [1]])
    expect(left).toHaveLength(8)
  })

  it('batches short jobs to about TARGET_BATCH_MS of work, shared evenly between slots', () => {
    const costs = new KindCosts()
    costs.learn('noop', 0.01) // 4 ms / 0.01 ms = 400 per batch
    const { spawned, left } = run('cpu', jobs(600), { costs })
    expect(spawned).toHaveLength(2)
    // Under the batch size of 400, half of what waits goes to each new slot; the rest waits for
    // a worker to come close to the end of its batch.
    expect(spawned.map((e) => e.batches)).toEqual([[300], [150]])
    expect(left).toHaveLength(150)
  })

  it('never sends more than MAX_BATCH in one message', () => {
    const costs = new KindCosts()
    costs.learn('noop', 0.0001)
    const { spawned } = run('cpu', jobs(5000), { costs, limits: { cpuSlots: 1, ioConcurrency: 1000 } })
    expect(spawned[0]!.batches[0]).toBe(MAX_BATCH)
  })

  it('sends long jobs one at a time and does not pipeline them behind busy workers', () => {
    const costs = new KindCosts()
    costs.learn('long', TARGET_BATCH_MS * 100)
    const busy = [new FakeExecutor('cpu', 'thread'), new FakeExecutor('cpu', 'thread')]
    for (const executor of busy) executor.jobs.push(...jobs(1, 'long'))
    const { spawned, left } = run('cpu', jobs(5, 'long'), { costs, local: busy })
    expect(spawned).toHaveLength(0)
    expect(busy.map((e) => e.batches)).toEqual([[], []])
    expect(left).toHaveLength(5)
  })

  it('pipelines the next short batch to a busy worker about to run out of work', () => {
    const costs = new KindCosts()
    costs.learn('noop', 0.01)
    const busy = [new FakeExecutor('cpu', 'thread'), new FakeExecutor('cpu', 'thread')]
    for (const executor of busy) {
      executor.jobs.push(...jobs(1))
      executor.expectedMs = TARGET_BATCH_MS / 4
    }
    const { spawned, left } = run('cpu', jobs(10), { costs, local: busy })
    expect(spawned).toHaveLength(0)
    // Each takes a share while it holds no more than that share.
    expect(busy.map((e) => e.batches)).toEqual([[5], [3]])
    expect(left).toHaveLength(2)
  })

  it('keeps one kind and one executor type per message', () => {
    const costs = new KindCosts()
    costs.learn('a', 0.01)
    costs.learn('b', 0.01)
    const queued = [...jobs(3, 'a'), ...jobs(3, 'b'), ...jobs(3, 'a', { executor: 'process' })]
    const { spawned } = run('cpu', queued, { costs, limits: { cpuSlots: 3, ioConcurrency: 1000 } })
    expect(spawned.map((e) => [e.executor, e.jobs.map((j) => j.kind).join('')])).toEqual([
      ['thread', 'aaa'],
      ['thread', 'bb'],
      ['thread', 'b'],
    ])
  })

  it('gives a job with a memory ceiling a worker of its own, within the CPU slots', () => {
    const { spawned } = run('cpu', [...jobs(1, 'alloc', { memoryMb: 64 }), ...jobs(1)], {
      limits: { cpuSlots: 1, ioConcurrency: 1000 },
    })
    expect(spawned).toHaveLength(1)
    expect(spawned[0]).toMatchObject({ memoryMb: 64 })
  })

  it('fills one shared I/O worker up to the I/O concurrency, in chunks of IO_CHUNK', () => {
    const { spawned, usage, left } = run('io', jobs(5000, 'sleep'), { limits: { cpuSlots: 2, ioConcurrency: 3000 } })
    expect(spawned).toHaveLength(1)
    expect(spawned[0]!.batches).toEqual([IO_CHUNK, 3000 - IO_CHUNK])
    expect(usage.ioInFlight).toBe(3000)
    expect(left).toHaveLength(2000)
  })

  it('fills executors added from outside to their capacity once the local slots are taken', () => {
    const remote = new FakeExecutor('cpu', 'thread', 0, 3)
    const { spawned, left } = run('cpu', jobs(10), { limits: { cpuSlots: 1, ioConcurrency: 1000 }, external: [remote] })
    expect(spawned).toHaveLength(1)
    expect(remote.jobs).toHaveLength(3)
    expect(left).toHaveLength(6)
  })

  it('sends a job with a memory ceiling alone to an executor from outside once the local slots are taken', () => {
    for (const lane of ['cpu', 'io'] as const) {
      const remote = new FakeExecutor(lane, 'thread', 0, 100)
      const busy = new FakeExecutor(lane, 'thread')
      busy.jobs.push(...jobs(1))
      busy.expectedMs = 1000 // busy for a while: no early batch for it
      const queued = [...jobs(2, 'alloc', { memoryMb: 64 }), ...jobs(3)]
      const costs = new KindCosts()
      costs.learn('noop', 0.01) // short: many to a message
      const { spawned, left } = run(lane, queued, {
        costs,
        limits: { cpuSlots: 1, ioConcurrency: lane === 'io' ? 0 : 1000 },
        local: [busy],
        external: [remote],
      })
      expect(spawned, lane).toHaveLength(0)
      // One message per ceiling job (the remote engine gives each its worker), the rest together.
      expect(remote.batches, lane).toEqual([1, 1, 3])
      expect(
        remote.jobs.slice(0, 2).map((j) => j.memoryMb),
        lane,
      ).toEqual([64, 64])
      expect(left, lane).toHaveLength(0)
    }
  })

  it('sends an executor from outside at most an even share of the queue per batch it runs at once', () => {
    // Learned as short (from small jobs of the kind): one batch would take all eight.
    const costs = new KindCosts()
    costs.learn('sum', 0.01)
    const remote = new FakeExecutor('cpu', 'thread', 0, 1000)
    remote.batchesAtOnce = 4
    const busy = new FakeExecutor('cpu', 'thread')
    busy.jobs.push(...jobs(1))
    busy.expectedMs = 1000
    const { left } = run('cpu', jobs(8, 'sum'), {
      costs,
      limits: { cpuSlots: 1, ioConcurrency: 1000 },
      local: [busy],
      external: [remote],
    })
    // 8 waiting, 4 at once: 2; then 6 waiting: 2; then 4: 1 each.
    expect(remote.batches).toEqual([2, 2, 1, 1, 1, 1])
    expect(left).toHaveLength(0)
    // Without the field (one at a time), a batch is as big as the kind's cost says.
    const single = new FakeExecutor('cpu', 'thread', 0, 1000)
    run('cpu', jobs(8, 'sum'), { costs, limits: { cpuSlots: 1, ioConcurrency: 1000 }, local: [busy], external: [single] })
    expect(single.batches).toEqual([8])
  })

  it('sends an executor from outside at most an even share of the I/O queue per batch it runs at once', () => {
    // No I/O slots here: the cluster takes the lane. In one batch, all 40 would go to one agent.
    const remote = new FakeExecutor('io', 'thread', 0, 1000)
    remote.batchesAtOnce = 4
    const { spawned, left } = run('io', jobs(40, 'sleep'), { limits: { cpuSlots: 1, ioConcurrency: 0 }, external: [remote] })
    expect(spawned).toHaveLength(0)
    // 40 waiting, 4 at once: 10; then 30: 8; 22: 6; 16: 4; and so on.
    expect(remote.batches).toEqual([10, 8, 6, 4, 3, 3, 2, 1, 1, 1, 1])
    expect(left).toHaveLength(0)
    const single = new FakeExecutor('io', 'thread', 0, 1000)
    run('io', jobs(40, 'sleep'), { limits: { cpuSlots: 1, ioConcurrency: 0 }, external: [single] })
    expect(single.batches).toEqual([40])
  })

  it('with no CPU slots and no I/O concurrency here, starts no local worker and hands every job to executors from outside', () => {
    const costs = new KindCosts()
    costs.learn('noop', 0.01)
    for (const lane of ['cpu', 'io'] as const) {
      const remote = new FakeExecutor(lane, 'thread', 0, 1000)
      const { spawned, left } = run(lane, jobs(600), { costs, limits: { cpuSlots: 0, ioConcurrency: 0 }, external: [remote] })
      expect(spawned, lane).toHaveLength(0)
      expect(remote.jobs, lane).toHaveLength(600)
      expect(left, lane).toHaveLength(0)
    }
  })

  it('takes nothing from a lane while the admission gate says no', () => {
    const queued = jobs(4)
    const refused = queued[1]!.id
    const { spawned } = run('cpu', queued, { admit: (job) => job.id !== refused })
    // The first job is admitted; the gate stops the lane at the second.
    expect(spawned).toHaveLength(1)
    expect(queued).toHaveLength(3)
  })

  it('learns kind costs as a weighted average of recent runs', () => {
    const costs = new KindCosts()
    expect(costs.get('k')).toBeUndefined()
    costs.learn('k', 10)
    costs.learn('k', 20)
    expect(costs.get('k')).toBeCloseTo(13)
  })
})
