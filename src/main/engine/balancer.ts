// The balancer: which queued jobs go to which executor, in what batch sizes. No I/O and no
// timers: it reads the lane's queue, the executors and their loads, the limits and the kinds'
// learned costs, and acts only through the spawn and assign it is given (the pool's), so it is
// tested on its own with plain objects (tests/engine/balancer.test.ts).
//
// CPU lane: one slot per local worker holding jobs, up to cpuSlots. Short jobs are sent in
// batches sized from their kind's recent run time (about TARGET_BATCH_MS of work), so the
// per-job cost of a message round trip is shared; long jobs and kinds never measured go one at
// a time, so a slot is never held by work queued behind a long job. With every slot busy, a
// worker about to run out of short work is sent its next batch early (pipelining). I/O lane:
// one shared concurrent worker per executor type, up to ioConcurrency jobs in flight. Jobs with
// a memory ceiling get a dedicated worker of their own. Executors added from outside (remote
// machines) are filled to their own capacity once this machine's slots are taken (a job with a
// memory ceiling goes to them alone; the machine's engine gives it its own worker), each batch
// at most an even share of the lane's queue per batch they run side by side. With no slots
// here (cpuSlots or ioConcurrency 0), all of a lane's jobs go to them.
import type { ExecutorType, Lane } from '../../shared/job.ts'

/** A batch sent to one CPU worker aims to keep it busy about this long. */
export const TARGET_BATCH_MS = 4
export const MAX_BATCH = 512
/** I/O jobs are sent in messages of at most this many. */
export const IO_CHUNK = 2048
/** A kind's cost before any run of it has been measured: long, so it is sent one at a time. */
export const UNKNOWN_COST_MS = 1e9

/** Recent run time of each kind, milliseconds (exponentially weighted). */
export class KindCosts {
  /** Each kind's cost in a box of its own, so learning one updates it in place (asked several times per job). */
  private readonly costs = new Map<string, { ms: number }>()

  /** The learned cost, or undefined before the kind's first run. */
  get(kind: string): number | undefined {
    return this.costs.get(kind)?.ms
  }

  /** What to plan with: the learned cost, or "long" when none is known yet. */
  estimate(kind: string): number {
    return this.costs.get(kind)?.ms ?? UNKNOWN_COST_MS
  }

  learn(kind: string, ms: number): void {
    const cost = this.costs.get(kind)
    if (cost) cost.ms = cost.ms * 0.7 + ms * 0.3
    else this.costs.set(kind, { ms })
  }
}

export interface BalancedJob {
  readonly kind: string
  readonly executor: ExecutorType
  readonly memoryMb: number
}

export interface BalancedQueue<J> {
  readonly size: number
  peek(): J | undefined
  shift(): J | undefined
}

export interface BalancedExecutor {
  readonly capacity: number
  /**
   * How many batches it runs side by side (a remote cluster: its agents' packs at once); a
   * batch to it is then at most an even share of the queue. Local workers: absent (one).
   */
  readonly batchesAtOnce?: number
  readonly load: { readonly busy: boolean; readonly size: number; readonly expectedMs: number }
  serves(lane: Lane, executor: ExecutorType): boolean
}

export interface BalanceInput<J extends BalancedJob, E extends BalancedExecutor> {
  lane: Lane
  queue: BalancedQueue<J>
  /** This machine's workers, which the CPU slots and the I/O concurrency limit. */
  local: readonly E[]
  /** Executors added from outside (remote machines), each limited by its own capacity. */
  external: readonly E[]
  limits: { cpuSlots: number; ioConcurrency: number }
  /** Read live, as assign changes them: local CPU workers holding a slot, local I/O jobs in flight. */
  usage: { readonly busyCpu: number; readonly ioInFlight: number }
  costs: KindCosts
  /**
   * The seam for admission (a "may a job of this lane start now" gate: --delay, --max-load,
   * --mem-free): while it answers false, nothing more is taken from the lane. Default: yes.
   */
  admit?: (job: J) => boolean
  /** Starts a local worker: a shared one (memoryMb 0) or one dedicated to a job with a memory ceiling. */
  spawn(executor: ExecutorType, lane: Lane, memoryMb: number): E
  /** Hands jobs to an executor (they have left the queue). */
  assign(executor: E, jobs: J[]): void
}

/** Dispatches as much of one lane's queue as the limits allow. */
export function balance<J extends BalancedJob, E extends BalancedExecutor>(input: BalanceInput<J, E>): void {
  if (input.lane === 'cpu') balanceCpu(input)
  else balanceIo(input)
}

function balanceCpu<J extends BalancedJob, E extends BalancedExecutor>(input: BalanceInput<J, E>): void {
  const { queue, limits, usage } = input
  while (queue.size > 0) {
    const head = queue.peek()
    if (!head || (input.admit && !input.admit(head))) break
    if (head.memoryMb > 0) {
      // A worker of its own here, or alone to a remote machine (whose engine gives it one).
      const executor =
        usage.busyCpu < limits.cpuSlots
          ? input.spawn(head.executor, 'cpu', head.memoryMb)
          : withRoom(input.external, 'cpu', head.executor)
      if (!executor) break
      queue.shift()
      input.assign(executor, [head])
      continue
    }
    const cost = input.costs.estimate(head.kind)
    const batchSize = Math.max(1, Math.min(MAX_BATCH, Math.floor(TARGET_BATCH_MS / Math.max(cost, 0.005))))
    // Share the queue evenly between slots rather than handing it all to the first worker.
    const share = Math.max(1, Math.min(batchSize, Math.ceil(queue.size / limits.cpuSlots)))
    let executor = idle(input.local, 'cpu', head.executor)
    let count = share
    if (!executor) {
      if (usage.busyCpu < limits.cpuSlots) executor = input.spawn(head.executor, 'cpu', 0)
      else executor = pipelined(input.local, head, cost, share)
    }
    if (!executor) {
      executor = withRoom(input.external, 'cpu', head.executor)
      if (!executor) break
      // Short jobs in big batches, but each of its side-by-side runs gets some: a kind learned
      // as short from small jobs would otherwise send a batch of long ones to one machine.
      const even = Math.ceil(queue.size / Math.max(1, executor.batchesAtOnce ?? 1))
      count = Math.max(1, Math.min(Math.max(share, batchSize), even, executor.capacity - executor.load.size))
    }
    input.assign(executor, take(queue, head, count))
  }
}

function balanceIo<J extends BalancedJob, E extends BalancedExecutor>(input: BalanceInput<J, E>): void {
  const { queue, limits, usage } = input
  while (queue.size > 0) {
    const head = queue.peek()
    if (!head || (input.admit && !input.admit(head))) break
    if (usage.ioInFlight < limits.ioConcurrency) {
      if (head.memoryMb > 0) {
        queue.shift()
        input.assign(input.spawn(head.executor, 'io', head.memoryMb), [head])
        continue
      }
      let executor: E | undefined
      for (let i = 0; i < input.local.length; i++) {
        if (input.local[i]!.serves('io', head.executor)) {
          executor = input.local[i]
          break
        }
      }
      executor ??= input.spawn(head.executor, 'io', 0)
      const room = Math.min(IO_CHUNK, limits.ioConcurrency - usage.ioInFlight)
      input.assign(executor, take(queue, head, room))
      continue
    }
    const executor = withRoom(input.external, 'io', head.executor)
    if (!executor) break
    // A job with a memory ceiling travels alone (take() stops at one). The others go at most an
    // even share of the queue per batch it runs side by side: in one batch, a cluster's I/O
    // jobs would all go to one machine, held to its I/O concurrency while the others idle.
    if (head.memoryMb > 0) input.assign(executor, [queue.shift()!])
    else {
      const even = Math.ceil(queue.size / Math.max(1, executor.batchesAtOnce ?? 1))
      input.assign(executor, take(queue, head, Math.min(IO_CHUNK, even, executor.capacity - executor.load.size)))
    }
  }
}

/** Takes up to `count` jobs from the front that can share one message with `head`. */
export function take<J extends BalancedJob>(queue: BalancedQueue<J>, head: J, count: number): J[] {
  const jobs: J[] = []
  while (jobs.length < count) {
    const next = queue.peek()
    if (!next || next.executor !== head.executor || next.kind !== head.kind || next.memoryMb > 0) break
    queue.shift()
    jobs.push(next)
  }
  return jobs
}

// Indexed loops: below V8's top tier (where a dispatch's code runs for its first thousands of
// calls), for…of allocates an iterator result per element.
function idle<E extends BalancedExecutor>(executors: readonly E[], lane: Lane, executor: ExecutorType): E | undefined {
  for (let i = 0; i < executors.length; i++) {
    const candidate = executors[i]!
    if (!candidate.load.busy && candidate.serves(lane, executor)) return candidate
  }
  return undefined
}

/** With every slot taken, a worker about to run out of short work may take the next batch now. */
function pipelined<J extends BalancedJob, E extends BalancedExecutor>(
  executors: readonly E[],
  head: J,
  cost: number,
  share: number,
): E | undefined {
  if (cost >= TARGET_BATCH_MS) return undefined
  for (let i = 0; i < executors.length; i++) {
    const candidate = executors[i]!
    if (
      candidate.load.busy &&
      candidate.serves('cpu', head.executor) &&
      candidate.load.expectedMs < TARGET_BATCH_MS / 2 &&
      candidate.load.size <= share
    ) {
      return candidate
    }
  }
  return undefined
}

function withRoom<E extends BalancedExecutor>(executors: readonly E[], lane: Lane, executor: ExecutorType): E | undefined {
  for (let i = 0; i < executors.length; i++) {
    const candidate = executors[i]!
    if (candidate.load.size < candidate.capacity && candidate.serves(lane, executor)) return candidate
  }
  return undefined
}
