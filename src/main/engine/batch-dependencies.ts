// Dependencies inside the engine (`"after": ["name", …]`): which jobs of a batch wait, which
// are released when what they wait for succeeds, and which end without running when it does
// not. The graph itself (checks, the ready/blocked tracker) is dependency-graph.ts; this holds
// the engine's side: job ids, the jobs held out of the queue, notes that say what a job waits
// for, and the calls back into the engine to queue, end or reopen a job.
import { isTerminal, type JobError } from '../../shared/job.ts'
import { ValidationError } from '../../shared/validate.ts'
import { checkDependencies, DependencyTracker, OUTCOMES } from './dependency-graph.ts'
import { jobName, type JobRecord } from './job-record.ts'

export interface DependencyHost {
  /** The job may start: into its lane's queue. */
  queue(job: JobRecord): void
  /** The job will not run: it ends now (cancelled, with this error). */
  block(job: JobRecord, error: JobError): void
  /** An ended job waits again (what blocked it is being retried): back to queued, held. */
  reopen(job: JobRecord): void
  /** The job changed (its note). */
  changed(job: JobRecord): void
}

interface BatchGraph {
  tracker: DependencyTracker
  jobs: JobRecord[]
  index: Map<number, number>
}

/** The first names shown in a note; the rest are counted. */
const NAMES_SHOWN = 3

/**
 * The indices each spec waits for, or null when no job of the batch has `after`. Problems
 * name the field (`jobs[3].after[0]`, `inputs[2].after`) and are thrown as a ValidationError.
 */
export function resolveDependencies(
  specs: readonly { name?: string; after?: readonly string[] }[],
  field: (index: number) => string,
): number[][] | null {
  if (!specs.some((spec) => spec.after?.length)) return null
  const checked = checkDependencies(specs, field)
  if (!checked.ok) throw new ValidationError(checked.problems)
  return checked.deps
}

/** How a dependency that will not succeed ended, for the dependent's message. */
const HOW = {
  failed: 'failed',
  'timed-out': 'timed out',
  cancelled: 'was cancelled',
  interrupted: 'was interrupted',
  'not run': 'did not run',
} as const

function howEnded(job: JobRecord): keyof typeof HOW {
  if (job.error?.code === 'dependency-failed' || job.state === 'queued') return 'not run'
  return job.state === 'failed' || job.state === 'timed-out' || job.state === 'cancelled' || job.state === 'interrupted'
    ? job.state
    : 'not run'
}

export class BatchDependencies {
  private readonly host: DependencyHost
  private readonly graphs = new Map<number, BatchGraph>()
  /** Jobs waiting for others: queued, but in no lane's queue. */
  private readonly held = new Set<JobRecord>()

  constructor(host: DependencyHost) {
    this.host = host
  }

  get active(): boolean {
    return this.graphs.size > 0
  }

  /**
   * A batch's jobs with the indices each waits for. Jobs whose dependencies are all met (or
   * that have none) are queued; the others are held with a note saying what they wait for.
   * `settled` replays jobs that have ended already (a restored batch).
   */
  add(batchId: number, jobs: JobRecord[], deps: number[][]): void {
    const tracker = new DependencyTracker(deps)
    const graph: BatchGraph = { tracker, jobs, index: new Map(jobs.map((job, i) => [job.id, i])) }
    this.graphs.set(batchId, graph)
    jobs.forEach((job, i) => (job.after = deps[i]!.map((d) => jobs[d]!.id)))
    for (let i = 0; i < jobs.length; i++) {
      // A job that ended because of another is blocked again by that one's outcome, not its own.
      const outcome = jobs[i]!.error?.code === 'dependency-failed' ? undefined : OUTCOMES[jobs[i]!.state]
      if (outcome) tracker.settle(i, outcome)
    }
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!
      if (job.state !== 'queued') continue
      if (tracker.isReady(i)) this.host.queue(job)
      else if (tracker.isBlocked(i)) this.end(graph, i)
      else this.hold(graph, i)
    }
  }

  /**
   * A batch brought back from the store, its jobs in id order with the ids they wait for. A
   * dependency that was not loaded had finished long ago; a job still waiting for it would
   * have ended when it failed, so it succeeded and is left out.
   */
  restore(batchId: number, jobs: JobRecord[]): void {
    const sorted = [...jobs].sort((a, b) => a.id - b.id)
    const index = new Map(sorted.map((job, i) => [job.id, i]))
    const deps = sorted.map((job) => (job.after ?? []).map((id) => index.get(id)).filter((i) => i !== undefined))
    const after = sorted.map((job) => job.after)
    this.add(batchId, sorted, deps)
    // Keep the stored ids (add rebuilt them from the loaded jobs only), for the graph.
    sorted.forEach((job, i) => (job.after = after[i] ?? null))
  }

  /** After a restore: every batch that has jobs with dependencies gets its graph back. */
  restoreAll(jobs: Iterable<JobRecord>): void {
    const byBatch = new Map<number, JobRecord[]>()
    const all = [...jobs]
    for (const job of all) if (job.after) byBatch.set(job.batchId, [])
    if (byBatch.size === 0) return
    for (const job of all) byBatch.get(job.batchId)?.push(job)
    for (const [batchId, batchJobs] of byBatch) this.restore(batchId, batchJobs)
  }

  /** Whether the job is held here (for a cancel: it is in no queue to forget). */
  release(job: JobRecord): boolean {
    return this.held.delete(job)
  }

  /** A job of a batch with dependencies ended: release or end what waits for it. */
  settled(job: JobRecord): void {
    const graph = this.graphs.get(job.batchId)
    const i = graph?.index.get(job.id)
    if (graph === undefined || i === undefined) return
    this.held.delete(job)
    const outcome = OUTCOMES[job.state]
    if (!outcome) return
    const { ready, blocked } = graph.tracker.settle(i, outcome)
    for (const r of ready) {
      const next = graph.jobs[r]!
      if (!this.held.delete(next)) continue
      next.note = null
      this.host.queue(next)
    }
    for (const b of blocked) this.end(graph, b.index)
    // Jobs still waiting for others say so: their list just got shorter.
    if (outcome === 'succeeded')
      for (const d of graph.tracker.dependentsOf(i)) if (this.held.has(graph.jobs[d]!)) this.note(graph, d)
  }

  /**
   * A job is retried: what it blocked waits again, and the job itself goes to its queue only
   * once what it waits for has succeeded. Returns false when it is held here or ended again
   * (it waits for a job that will not succeed), true when the caller should queue it.
   */
  retried(job: JobRecord): boolean {
    const graph = this.graphs.get(job.batchId)
    const i = graph?.index.get(job.id)
    if (graph === undefined || i === undefined) return true
    this.reopenDependents(graph, i)
    return this.placeRetried(graph, i)
  }

  /**
   * Retried jobs of a streamed batch (stream-retries.ts), which has no graph of its own: its
   * names are not kept. `retried` are queued, in no queue; `found` are the jobs they had
   * stopped (ended, or only read back from their rows) and the jobs those wait for that did
   * not succeed. The batch's graph becomes those jobs plus the unfinished ones of its earlier
   * graph; a job that is not in it counts as succeeded (a stream's finished dependencies).
   * Then each retried job is reopened as retried() does: what it stopped waits again (unless
   * another dependency still stops it), and it is queued, held or ended by its own.
   */
  adopt(batchId: number, retried: readonly JobRecord[], found: readonly JobRecord[]): void {
    const byId = new Map<number, JobRecord>()
    for (const job of this.graphs.get(batchId)?.jobs ?? []) if (!isTerminal(job.state)) byId.set(job.id, job)
    for (const job of [...found, ...retried]) byId.set(job.id, job)
    const jobs = [...byId.values()].sort((a, b) => a.id - b.id)
    const index = new Map(jobs.map((job, i) => [job.id, i]))
    // Not through add(): the stored ids in `after` stay as they are, and no job is queued twice.
    const deps = jobs.map((job) => (job.after ?? []).flatMap((id) => index.get(id) ?? []))
    const graph: BatchGraph = { tracker: new DependencyTracker(deps), jobs, index }
    this.graphs.set(batchId, graph)
    const again = new Set(retried)
    jobs.forEach((job, i) => {
      const outcome = again.has(job) || job.error?.code === 'dependency-failed' ? undefined : OUTCOMES[job.state]
      if (outcome) graph.tracker.settle(i, outcome)
    })
    // Each retried job stopped what it stopped by ending otherwise than succeeded (how is only for messages).
    for (const job of retried) graph.tracker.settle(index.get(job.id)!, 'failed')
    for (const job of retried) this.reopenDependents(graph, index.get(job.id)!)
    for (const job of retried) if (this.placeRetried(graph, index.get(job.id)!)) this.host.queue(job)
  }

  private reopenDependents(graph: BatchGraph, i: number): void {
    for (const r of graph.tracker.reopen(i)) {
      this.host.reopen(graph.jobs[r]!)
      this.hold(graph, r)
    }
  }

  /** Where a retried job goes: true (to its queue) when what it waits for has succeeded. */
  private placeRetried(graph: BatchGraph, i: number): boolean {
    if (graph.tracker.isReady(i)) {
      this.held.delete(graph.jobs[i]!)
      return true
    }
    if (graph.tracker.isBlocked(i)) {
      this.end(graph, i)
      return false
    }
    this.hold(graph, i)
    return false
  }

  /** What a job waits for, by name (for the window), or null when it waits for nothing. */
  waitingFor(job: JobRecord): string[] | null {
    const graph = this.graphs.get(job.batchId)
    const i = graph?.index.get(job.id)
    if (graph === undefined || i === undefined) return null
    return graph.tracker.waitingFor(i).map((d) => jobName(graph.jobs[d]!))
  }

  /** Forgets the graphs of batches that are gone (clear finished: their jobs have all ended). */
  prune(keep: (batchId: number) => boolean): void {
    for (const batchId of this.graphs.keys()) if (!keep(batchId)) this.graphs.delete(batchId)
  }

  private hold(graph: BatchGraph, i: number): void {
    this.held.add(graph.jobs[i]!)
    this.note(graph, i)
  }

  private note(graph: BatchGraph, i: number): void {
    const job = graph.jobs[i]!
    const names = graph.tracker.waitingFor(i).map((d) => `"${jobName(graph.jobs[d]!)}"`)
    const shown =
      names.length > NAMES_SHOWN
        ? `${names.slice(0, NAMES_SHOWN).join(', ')} and ${names.length - NAMES_SHOWN} more`
        : names.join(', ')
    job.note = `waits for ${shown}`
    this.host.changed(job)
  }

  /** Ends a job the tracker has blocked, naming the dependency that will not succeed. */
  private end(graph: BatchGraph, i: number): void {
    const job = graph.jobs[i]!
    this.held.delete(job)
    const by = graph.tracker.blocker(i)
    const dependency = by === null ? null : graph.jobs[by]!
    job.note = null
    this.host.block(job, {
      code: 'dependency-failed',
      message: `not run: it waits for "${dependency ? jobName(dependency) : '?'}", which ${dependency ? HOW[howEnded(dependency)] : 'did not succeed'}`,
    })
  }
}
