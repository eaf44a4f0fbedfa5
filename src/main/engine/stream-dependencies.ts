// Dependencies (`"after": ["name", …]`) inside a streamed batch, in bounded memory. A whole
// batch checks its graph up front (dependency-graph.ts); a stream cannot, since its later
// inputs are not read yet. So here a job may wait only for jobs read before it. The names of
// jobs are remembered in a map kept in least-recently-used order, refreshed each time a later
// input names one, and capped at `horizon` names (the stream's window, 10,000 by default): a
// name that keeps being referred to (a fan-out: every input waits for "make folder") stays
// however long the stream, and one that has fallen out is looked up in the store's rows, on
// its thread, before it is refused. So a name is refused, naming the field, only when no
// earlier job of the batch has it (a forward reference, a typo), and the stream stops there
// as with any bad input. The same lookup lets a resumed stream (--resume) name jobs of the
// killed run. No cycle can form, since every edge points back.
// What is held: the remembered names, and the unfinished jobs that still wait: both bounded
// by the window, however long the stream.
import type { JobError } from '../../shared/job.ts'
import { ValidationError } from '../../shared/validate.ts'
import type { DependencyHost } from './batch-dependencies.ts'
import { OUTCOMES, type Outcome } from './dependency-graph.ts'
import { jobName, type JobRecord } from './job-record.ts'
import type { NamedRow } from './store/rows.ts'

const HOW: Record<Outcome | 'not run', string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  'timed-out': 'timed out',
  cancelled: 'was cancelled',
  'not run': 'did not run',
}

/** A named job the stream remembers. */
interface Named {
  id: number
  index: number
  name: string
  outcome: Outcome | 'not run' | null
}

/** One streamed batch's remembered names, least recently used first (a Map keeps insertion order). */
interface StreamNames {
  horizon: number
  byName: Map<string, Named>
}

/** Where a name the stream no longer remembers is looked for. */
export interface NameLookup {
  readonly states: { get(id: number): JobRecord | undefined }
  /** The store, when there is one (without it a forgotten name cannot be found). */
  readonly store: { namedRow(batchId: number, name: string, before: number): Promise<NamedRow | null> } | null
  /** Every change so far in the store (a job made a moment ago may not be written yet). */
  flush(): Promise<void>
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
  private readonly lookup: NameLookup | null
  private readonly streams = new Map<number, StreamNames>()
  /** Named jobs of streams that have not settled, by id (their outcome is filled in when they do). */
  private readonly open = new Map<number, Named>()
  /** Waiting jobs by id, and what waits on each unfinished dependency. */
  private readonly waiting = new Map<number, Waiting>()
  private readonly dependents = new Map<number, Waiting[]>()

  constructor(host: DependencyHost, lookup: NameLookup | null = null) {
    this.host = host
    this.lookup = lookup
  }

  get active(): boolean {
    return this.streams.size > 0
  }

  /** A streamed batch whose jobs may name earlier ones in `after`. */
  start(batchId: number, horizon: number): void {
    if (!this.streams.has(batchId)) this.streams.set(batchId, { horizon, byName: new Map() })
  }

  /**
   * The dependencies of the job read at `index`, by name: at once when every name is
   * remembered (a map lookup each), else once the store has answered for the others. Throws
   * (or rejects with) a ValidationError naming `field.after[k]` for a name no earlier job of
   * the batch has.
   */
  resolve(batchId: number, index: number, after: readonly string[], field: string): Resolved | Promise<Resolved> {
    const names = this.streams.get(batchId)!
    const targets: Named[] = []
    let missing: number[] | null = null
    after.forEach((name, k) => {
      const target = names.byName.get(name)
      if (!target || target.index >= index) {
        ;(missing ??= []).push(k)
        return
      }
      // Referred to again: the most recently used now, so a fan-out's name is never forgotten.
      names.byName.delete(name)
      names.byName.set(name, target)
      targets.push(target)
    })
    if (!missing) return this.classify(targets)
    return this.resolveForgotten(batchId, names, index, after, field, missing, targets)
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
        this.end(waiting.job, named ?? { id: job.id, index: -1, name: jobName(job), outcome })
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
    names.byName.delete(named.name)
    names.byName.set(named.name, named)
    if (named.outcome === null) this.open.set(named.id, named)
    if (names.byName.size <= names.horizon) return
    // Forget the least recently used names beyond the cap (a Map iterates oldest first).
    for (const old of names.byName.values()) {
      if (names.byName.size <= names.horizon) break
      names.byName.delete(old.name)
      if (this.open.get(old.id) === old) this.open.delete(old.id)
    }
  }

  /** What the targets say now: the ids, the unfinished ones, the first that ended without succeeding. */
  private classify(targets: readonly Named[]): Resolved {
    const resolved: Resolved = { ids: [], open: [], failed: null }
    for (const target of targets) {
      if (resolved.ids.includes(target.id)) continue
      resolved.ids.push(target.id)
      if (target.outcome === null) resolved.open.push(target)
      else if (target.outcome !== 'succeeded') resolved.failed ??= target
    }
    return resolved
  }

  /** The names at `missing` (indices into `after`) from the store's rows, then remembered again. */
  private async resolveForgotten(
    batchId: number,
    names: StreamNames,
    index: number,
    after: readonly string[],
    field: string,
    missing: number[],
    found: Named[],
  ): Promise<Resolved> {
    for (const k of missing) {
      const name = after[k]!
      const named = await this.find(batchId, name, index)
      if (!named) {
        const where = this.lookup?.store ? '' : `; without a database only the last ${names.horizon} names are known`
        throw new ValidationError([
          {
            field: `${field}.after[${k}]`,
            message: `no job named "${name}" before it in this batch (a template's jobs wait only for jobs of earlier inputs${where})`,
          },
        ])
      }
      this.remember(names, named)
      found.push(named)
    }
    // Classified only now: a target may have settled while the store answered (and one that
    // was forgotten meanwhile heard nothing of it, so the engine is asked).
    for (const target of found) {
      const job = target.outcome === null ? this.lookup?.states.get(target.id) : undefined
      const outcome = job ? OUTCOMES[job.state] : undefined
      if (outcome) target.outcome = job!.error?.code === 'dependency-failed' ? 'not run' : outcome
    }
    return this.classify(found)
  }

  /**
   * The batch's job named `name` nearest before input `index`, from its row; how it ended from
   * the engine when it is still in memory (a job that runs again, a resumed run's), else from
   * the row. A row is read without a flush first, and again after one when it is missing or
   * says unfinished for a job no longer in memory (its newer row may not be written yet).
   */
  private async find(batchId: number, name: string, index: number): Promise<Named | null> {
    const lookup = this.lookup
    if (!lookup?.store) return null
    let row = await lookup.store.namedRow(batchId, name, index)
    if (!row || this.stale(row)) {
      await lookup.flush()
      row = await lookup.store.namedRow(batchId, name, index)
    }
    if (!row) return null
    const job = lookup.states.get(row.id)
    const state = job ? job.state : row.state
    const code = job ? (job.error?.code ?? null) : row.errorCode
    // Unfinished in no engine's memory: a run that was killed (it never ends), as interrupted.
    const outcome = OUTCOMES[state] ?? (job ? null : 'cancelled')
    return {
      id: row.id,
      index: row.inputIndex ?? -1,
      name,
      outcome: outcome !== null && code === 'dependency-failed' ? 'not run' : outcome,
    }
  }

  private stale(row: NamedRow): boolean {
    return OUTCOMES[row.state] === undefined && this.lookup!.states.get(row.id) === undefined
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
