// Dependencies between the jobs of one batch (`"after": ["name", …]`), without the engine:
// checking them at submit (unknown names, ambiguous names, cycles, each named by its field),
// and a tracker that says which jobs become runnable, or can never run, as jobs settle.
// The engine owns the jobs; this owns only indices into the batch's list of jobs.

import type { JobState } from '../../shared/job.ts'
import type { FieldProblem } from '../../shared/validate.ts'

/** What the check needs of a job: its name (after templating) and the names it waits for. */
export interface DependencySpec {
  name?: string
  after?: readonly string[]
}

export type CheckedDependencies = { ok: true; deps: number[][] } | { ok: false; problems: FieldProblem[] }

/** How many problems are worth reporting: the first ones are enough to fix the batch. */
const MAX_PROBLEMS = 20
/** Cycles longer than this are shown by their first and last names. */
const MAX_CYCLE_SHOWN = 12

/**
 * Resolves every `after` name to the index of the job with that name. `field(i)` names job i
 * in messages (`jobs[3]`, `inputs[3]`). A name that is waited for must belong to exactly one
 * job; a job may not wait for itself or, through others, form a cycle (the message gives the
 * cycle's path, a → b → a).
 */
export function checkDependencies(jobs: readonly DependencySpec[], field: (index: number) => string): CheckedDependencies {
  const byName = new Map<string, number>()
  const duplicated = new Map<string, number>()
  jobs.forEach((job, i) => {
    if (job.name === undefined) return
    if (byName.has(job.name)) duplicated.set(job.name, i)
    else byName.set(job.name, i)
  })
  const problems: FieldProblem[] = []
  const deps: number[][] = jobs.map(() => [])
  for (let i = 0; i < jobs.length && problems.length < MAX_PROBLEMS; i++) {
    const after = jobs[i]!.after ?? []
    const seen = new Set<number>()
    after.forEach((name, k) => {
      const at = `${field(i)}.after[${k}]`
      const target = byName.get(name)
      if (target === undefined) problems.push({ field: at, message: `no job named "${name}" in this batch` })
      else if (duplicated.has(name)) {
        problems.push({
          field: at,
          message: `"${name}" names more than one job (${field(target)}, ${field(duplicated.get(name)!)}): names waited for must be unique`,
        })
      } else if (target === i) problems.push({ field: at, message: `a job cannot wait for itself ("${name}")` })
      else if (!seen.has(target)) {
        seen.add(target)
        deps[i]!.push(target)
      }
    })
  }
  if (problems.length) return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) }
  const cycle = findCycle(deps)
  if (cycle) {
    const names = [...cycle, cycle[0]!].map((i) => jobs[i]!.name ?? field(i))
    // A long cycle is shown by its ends, so the message stays readable.
    const path =
      names.length <= MAX_CYCLE_SHOWN
        ? names.join(' → ')
        : [...names.slice(0, 5), `… (${names.length - 10} more) …`, ...names.slice(-5)].join(' → ')
    return { ok: false, problems: [{ field: `${field(cycle[0]!)}.after`, message: `a cycle: ${path}` }] }
  }
  return { ok: true, deps }
}

/** One cycle as the indices along it, or null. Iterative (a batch may hold a million jobs). */
function findCycle(deps: readonly number[][]): number[] | null {
  const WHITE = 0
  const GREY = 1
  const BLACK = 2
  const colour = new Uint8Array(deps.length)
  const stack: { node: number; next: number }[] = []
  for (let root = 0; root < deps.length; root++) {
    if (colour[root] !== WHITE) continue
    stack.push({ node: root, next: 0 })
    colour[root] = GREY
    while (stack.length) {
      const top = stack[stack.length - 1]!
      const edges = deps[top.node]!
      if (top.next === edges.length) {
        colour[top.node] = BLACK
        stack.pop()
        continue
      }
      const to = edges[top.next++]!
      if (colour[to] === GREY) {
        // The path from `to` down the stack to here is the cycle.
        const from = stack.findIndex((frame) => frame.node === to)
        return stack.slice(from).map((frame) => frame.node)
      }
      if (colour[to] === WHITE) {
        colour[to] = GREY
        stack.push({ node: to, next: 0 })
      }
    }
  }
  return null
}

/** How a dependency ended, as far as its dependents care. */
export type Outcome = 'succeeded' | 'failed' | 'cancelled' | 'timed-out'

/** A finished job's state as its dependents see it (interrupted counts as cancelled); none for an unfinished one. */
export const OUTCOMES: Partial<Record<JobState, Outcome>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  'timed-out': 'timed-out',
  cancelled: 'cancelled',
  interrupted: 'cancelled',
}

export interface Blocked {
  index: number
  /** The dependency it waited for that will not succeed (a direct one). */
  by: number
  /** The job whose failure started it (the same as `by` for a direct dependent). */
  root: number
}

export interface SettleResult {
  /** Jobs whose last dependency just succeeded: they may start now. */
  ready: number[]
  /** Jobs that can no longer run, because a job they wait for (directly or not) did not succeed. */
  blocked: Blocked[]
}

/**
 * Which jobs of a batch may start: a job is ready once every job it waits for has succeeded,
 * and blocked (it will not run) as soon as one of them ends otherwise. A retried dependency
 * releases its blocked dependents back to waiting (`reopen`), so that when it then succeeds
 * they run.
 */
export class DependencyTracker {
  private readonly deps: readonly number[][]
  private readonly dependents: number[][]
  /** Dependencies of each job that have not succeeded yet. */
  private readonly pending: Int32Array
  private readonly outcome: (Outcome | null)[]
  /** For a blocked job: the dependency that blocked it. */
  private readonly blockedBy: Int32Array

  constructor(deps: readonly number[][]) {
    this.deps = deps
    this.dependents = deps.map(() => [])
    this.pending = new Int32Array(deps.length)
    this.outcome = deps.map(() => null)
    this.blockedBy = new Int32Array(deps.length).fill(-1)
    deps.forEach((list, i) => {
      this.pending[i] = list.length
      for (const d of list) this.dependents[d]!.push(i)
    })
  }

  /** Jobs that wait for nothing. */
  initiallyReady(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.deps.length; i++) if (this.pending[i] === 0) out.push(i)
    return out
  }

  isBlocked(index: number): boolean {
    return this.blockedBy[index]! >= 0
  }

  /** May it start now: not blocked, every dependency succeeded, not ended itself. */
  isReady(index: number): boolean {
    return this.pending[index] === 0 && !this.isBlocked(index) && this.outcome[index] === null
  }

  /** The dependencies it still waits for (for the window's "waits for a, b"). */
  waitingFor(index: number): number[] {
    return this.deps[index]!.filter((d) => this.outcome[d] !== 'succeeded')
  }

  /** The jobs that wait for it. */
  dependentsOf(index: number): readonly number[] {
    return this.dependents[index]!
  }

  /** The dependency that blocked it, or null. */
  blocker(index: number): number | null {
    const by = this.blockedBy[index]!
    return by >= 0 ? by : null
  }

  /**
   * A job ended. For a job this tracker blocked (the caller ends it as not run), nothing
   * changes: its dependents are blocked already, and a retry of its blocker reopens it.
   */
  settle(index: number, outcome: Outcome): SettleResult {
    const result: SettleResult = { ready: [], blocked: [] }
    if (this.outcome[index] === outcome || this.isBlocked(index)) return result
    this.outcome[index] = outcome
    if (outcome === 'succeeded') {
      for (const dependent of this.dependents[index]!) {
        this.pending[dependent]!--
        if (this.isReady(dependent)) result.ready.push(dependent)
      }
      return result
    }
    // Every job downstream that has not ended can never run. Iterative, breadth first.
    const queue: { index: number; by: number }[] = this.dependents[index]!.map((d) => ({ index: d, by: index }))
    for (let q = 0; q < queue.length; q++) {
      const { index: next, by } = queue[q]!
      if (this.isBlocked(next) || this.outcome[next] !== null) continue
      this.blockedBy[next] = by
      result.blocked.push({ index: next, by, root: index })
      for (const d of this.dependents[next]!) queue.push({ index: d, by: next })
    }
    return result
  }

  /**
   * The job runs again (a retry, a resume): it has no outcome, its dependents count it as
   * pending again if it had succeeded, and the jobs it blocked wait again (unless another
   * dependency still blocks them): the caller queues those again, to wait. Returns them.
   */
  reopen(index: number): number[] {
    const was = this.outcome[index]
    if (was === null) return []
    this.outcome[index] = null
    if (was === 'succeeded') {
      for (const dependent of this.dependents[index]!) this.pending[dependent]!++
      return []
    }
    const released: number[] = []
    const queue = [...this.dependents[index]!]
    for (let q = 0; q < queue.length; q++) {
      const next = queue[q]!
      if (!this.isBlocked(next) || this.stillBlocked(next)) continue
      this.blockedBy[next] = -1
      this.outcome[next] = null
      released.push(next)
      queue.push(...this.dependents[next]!)
    }
    return released
  }

  /** Whether some dependency of a blocked job, other than one being reopened, still blocks it. */
  private stillBlocked(index: number): boolean {
    for (const d of this.deps[index]!) {
      const outcome = this.outcome[d]
      if ((outcome !== null && outcome !== 'succeeded') || this.isBlocked(d)) {
        this.blockedBy[index] = d
        return true
      }
    }
    return false
  }
}
