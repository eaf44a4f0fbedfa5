// Which jobs a failed job had stopped: its dependents that ended without running because of
// it (`dependency-failed`), and theirs, found among a streamed batch's jobs in id order. One
// function for both places that look: the store's thread over the batch's rows, and the
// engine over the jobs it holds when it has no store.

/** What the search needs of a job or a row. */
export interface Stoppable {
  id: number
  state: string
  error?: { code: string } | null
  after?: readonly number[] | null
}

/** Ended without running because a job it waits for did not succeed. */
export function isStopped(job: Stoppable): boolean {
  return job.state === 'cancelled' && job.error?.code === 'dependency-failed' && Boolean(job.after?.length)
}

/**
 * The stopped jobs that wait, directly or through other stopped ones, for one of `roots`.
 * `candidates` must be in id order: a streamed job waits only for jobs made before it, so
 * one pass reaches every level.
 */
export function stoppedBy<T extends Stoppable>(candidates: Iterable<T>, roots: Iterable<number>): T[] {
  const reached = new Set(roots)
  const found: T[] = []
  for (const job of candidates) {
    if (!isStopped(job) || reached.has(job.id)) continue
    if (job.after!.some((id) => reached.has(id))) {
      reached.add(job.id)
      found.push(job)
    }
  }
  return found
}

/** The jobs `jobs` wait for that are not among `jobs` or `roots` (whose outcome the caller needs). */
export function otherDependencies(jobs: Iterable<Stoppable>, roots: Iterable<number>): number[] {
  const inside = new Set(roots)
  const list = [...jobs]
  for (const job of list) inside.add(job.id)
  const wanted = new Set<number>()
  for (const job of list) for (const id of job.after ?? []) if (!inside.has(id)) wanted.add(id)
  return [...wanted]
}
