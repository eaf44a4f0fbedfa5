// Dependencies (`"after": ["name", …]`) inside a streamed batch, in bounded memory. A whole
// batch checks its graph up front (dependency-graph.ts); a stream cannot, since its later
// inputs are not read yet. So here a job may wait only for jobs read before it, within the
// last `horizon` inputs (the stream's window, 10,000 by default): their names are remembered
// in a ring, older ones are forgotten. A name that is not among them (a forward reference,
// a typo, or one further back) is refused when its input is read, naming the field, and the
// stream stops there as with any bad input. No cycle can form, since every edge points back.
// What is held: the ring of recent names, and the unfinished jobs that still wait: both
// bounded by the window, however long the stream.
import type { JobError, JobState } from '../../shared/job.ts'
import { ValidationError } from '../../shared/validate.ts'
import type { DependencyHost } from './batch-dependencies.ts'
import type { JobRecord } from './job-record.ts'

type Outcome = 'succeeded' | 'failed' | 'timed-out' | 'cancelled'

const OUTCOMES: Partial<Record<JobState, Outcome>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  'timed-out': 'timed-out',
  cancelled: 'cancelled',
  interrupted: 'cancelled',
}

const HOW: Record<Outcome | 'not run', string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  'timed-out': 'timed out',
  cancelled: 'was cancelled',
  'not run': 'did not run',
}

/** A named job among the stream's recent inputs. */
interface Named {
  id: number
  index: number
  name: string
  outcome: Outcome | 'not run' | null
}

/** One streamed batch's recent names, oldest first. */
interface StreamNames {
  horizon: number
  byName: Map<string, Named>
  ring: Named[]
  head: number
}

/** A job that waits: how many of its dependencies have not succeeded yet. */
interface Waiting {
  job: JobRecord
  pending: number
  names: string[]
}

/** What a new job of the stream waits for, resolved against the recent names. */
export interface Resolved {
  /** Ids of every dependency (stored with the job, for the graph). */
  ids: number[]
  /** The ones not finished yet. */
  open: Named[]
  /** A dependency that ended without succeeding: the job will not run. */
  failed: Named | null
}

export class StreamDependencies {
  private readonly host: DependencyHost
  private readonly streams = new Map<number, StreamNames>()
  /** Named jobs of streams that have not settled, by id (their outcome is filled in when they do). */
  private readonly open = new Map<number, Named>()
  /** Waiting jobs by id, and what waits on each unfinished dependency. */
  private readonly waiting = new Map<number, Waiting>()
  private readonly dependents = new Map<number, Waiting[]>()

  constructor(host: DependencyHost) {
    this.host = host
  }

  get active(): boolean {
    return this.streams.size > 0
  }

  /** A streamed batch whose jobs may name earlier ones in `after`. */
  start(batchId: number, horizon: number): void {
    if (!this.streams.has(batchId)) this.streams.set(batchId, { horizon, byName: new Map(), ring: [], head: 0 })
  }

  /**
   * The dependencies of the job read at `index`, by name; throws a ValidationError naming
   * `field.after[k]` for a name that is not one of the recent earlier jobs.
   */
  resolve(batchId: number, index: number, after: readonly string[], field: string): Resolved {
    const names = this.streams.get(batchId)!
    const resolved: Resolved = { ids: [], open: [], failed: null }
    after.forEach((name, k) => {
      const target = names.byName.get(name)
      if (!target || target.index >= index || index - target.index > names.horizon) {
        throw new ValidationError([
          {
            field: `${field}.after[${k}]`,
            message: `no job named "${name}" before it in this batch (a template's jobs wait only for jobs of earlier inputs, at most ${names.horizon} back)`,
          },
        ])
      }
      if (resolved.ids.includes(target.id)) return
      resolved.ids.push(target.id)
      if (target.outcome === null) resolved.open.push(target)
      else if (target.outcome !== 'succeeded') resolved.failed ??= target
    })
    return resolved
  }

  /** A new job of the stream: remembered by name, and queued, held or ended as its dependencies say. */
  added(job: JobRecord, index: number, resolved: Resolved | null): void {
    const names = this.streams.get(job.batchId)
    if (!names) return
    if (job.customName !== null) this.remember(names, { id: job.id, index, name: job.customName, outcome: null })
    if (!resolved) return
    if (resolved.failed) return this.end(job, resolved.failed)
    if (resolved.open.length === 0) return this.host.queue(job)
    const waiting: Waiting = { job, pending: resolved.open.length, names: resolved.open.map((n) => n.name) }
    this.waiting.set(job.id, waiting)
    for (const dependency of resolved.open) {
      const list = this.dependents.get(dependency.id)
      if (list) list.push(waiting)
      else this.dependents.set(dependency.id, [waiting])
    }
    this.note(waiting)
  }

  /** Whether the job is held here (for a cancel: it is in no queue to forget). */
  release(job: JobRecord): boolean {
    const waiting = this.waiting.get(job.id)
    if (!waiting) return false
    this.waiting.delete(job.id)
    return true
  }

  /** A job of a stream ended: its name records how, and what waits for it is released or ended. */
  settled(job: JobRecord): void {
    const named = this.open.get(job.id)
    const outcome = OUTCOMES[job.state]
    if (!outcome) return
    this.waiting.delete(job.id)
    if (named) {
      named.outcome = job.error?.code === 'dependency-failed' ? 'not run' : outcome
      this.open.delete(job.id)
    }
    const list = this.dependents.get(job.id)
    if (!list) return
    this.dependents.delete(job.id)
    for (const waiting of list) {
      if (this.waiting.get(waiting.job.id) !== waiting) continue // cancelled, or ended by another
      if (outcome !== 'succeeded') {
        this.waiting.delete(waiting.job.id)
        this.end(waiting.job, named ?? { id: job.id, index: -1, name: job.name, outcome })
      } else if (--waiting.pending === 0) {
        this.waiting.delete(waiting.job.id)
        waiting.job.note = null
        this.host.queue(waiting.job)
      } else {
        waiting.names = waiting.names.filter((name) => name !== job.customName)
        this.note(waiting)
      }
    }
  }

  /**
   * A job of the stream is retried: while its name is among the recent ones, inputs read from
   * now on that name it wait for it again instead of ending at once.
   */
  retried(job: JobRecord): void {
    const named = job.customName === null ? undefined : this.streams.get(job.batchId)?.byName.get(job.customName)
    if (named?.id !== job.id) return
    named.outcome = null
    this.open.set(named.id, named)
  }

  /** The stream has ended and its jobs settled: its names are forgotten. */
  stop(batchId: number): void {
    this.streams.delete(batchId)
  }

  /** How many names and waiting jobs are held (for the memory tests). */
  get held(): { names: number; waiting: number } {
    let names = 0
    for (const stream of this.streams.values()) names += stream.byName.size
    return { names, waiting: this.waiting.size }
  }

  private remember(names: StreamNames, named: Named): void {
    names.byName.set(named.name, named)
    names.ring.push(named)
    this.open.set(named.id, named)
    // Forget names further back than the horizon (the ring is in input order).
    while (names.head < names.ring.length && named.index - names.ring[names.head]!.index >= names.horizon) {
      const old = names.ring[names.head++]!
      if (names.byName.get(old.name) === old) names.byName.delete(old.name)
      this.open.delete(old.id)
    }
    if (names.head > 4096 && names.head * 2 > names.ring.length) {
      names.ring = names.ring.slice(names.head)
      names.head = 0
    }
  }

  private note(waiting: Waiting): void {
    const shown = waiting.names.slice(0, 3).map((name) => `"${name}"`)
    const more = waiting.names.length > 3 ? ` and ${waiting.names.length - 3} more` : ''
    waiting.job.note = `waits for ${shown.join(', ')}${more}`
    this.host.changed(waiting.job)
  }

  private end(job: JobRecord, by: Named): void {
    job.note = null
    const error: JobError = {
      code: 'dependency-failed',
      message: `not run: it waits for "${by.name}", which ${HOW[by.outcome ?? 'not run']}`,
    }
    this.host.block(job, error)
  }
}
