// `corelane run FILE --resume`: finds the file's last run in the database, whatever its size
// or age, and works out what is left: jobs to run again (interrupted, cancelled) and, when
// the submit was cut short (kill -9 mid-submit), the jobs never written, to expand now.
//
// How a cut-short submit or stream is recognised: a batch's first write carries `total`, the
// number of jobs it will hold (null for inputs counted only at their end: `lines`), in the
// same transaction as its first job rows, and the batch is marked complete once its last job
// is written; rows are written in job order, so the stored rows are always the first
// `stored` jobs of the file. `stored < total`, or no total and not complete, means the rest
// was never written: --resume adds it to the same batch (a list's remaining jobs, or the
// stream read on past its first `stored` inputs). Databases from before may hold a
// continuation batch whose `root` is the first batch: a run is the root and its
// continuations, taken as one.
import type { BatchSummary, JobStore, SubmitRequest } from '../main/engine/index.ts'
import { InputError } from './batch-file.ts'

export interface ResumePlan {
  /** The run's batches: its first batch and any continuations, oldest first. */
  batches: BatchSummary[]
  root: BatchSummary
  /** Jobs the run holds once complete (null when no total was recorded: see missingJobs). */
  expected: number | null
  /** Jobs of the run in the database. */
  stored: number
}

/** The last run of this source, or null when there is none. */
export async function findResume(store: JobStore, source: string): Promise<ResumePlan | null> {
  const all = await store.runBatches(source)
  const latest = all.at(-1)
  if (!latest) return null
  const rootId = latest.root ?? latest.id
  const batches = all.filter((b) => b.id === rootId || b.root === rootId)
  const root = batches.find((b) => b.id === rootId) ?? latest
  const stored = batches.reduce((sum, b) => sum + b.stored, 0)
  return { batches, root, expected: root.total ?? null, stored }
}

/** How many jobs a request expands to. */
export function requestSize(request: SubmitRequest): number {
  return request.jobs?.length ?? request.inputs?.length ?? request.count ?? 0
}

/** The part of a request from job `from` on (jobs and inputs keep their order, so position is identity). */
export function requestFrom(request: SubmitRequest, from: number): SubmitRequest {
  if (request.jobs) return { ...request, jobs: request.jobs.slice(from) }
  if (request.inputs) return { ...request, inputs: request.inputs.slice(from) }
  return { ...request, count: (request.count ?? 0) - from }
}

/** Whether the run still lacks jobs of its file: its submit or stream was cut short. */
export function isIncomplete(plan: ResumePlan): boolean {
  return plan.expected !== null ? plan.stored < plan.expected : plan.root.complete === false
}

/** Refuses a file whose number of jobs (null: known only at its end) differs from the run's recorded total. */
export function checkUnchanged(plan: ResumePlan, now: number | null, file: string): void {
  if (plan.expected === null || now === null || now === plan.expected) return
  throw new InputError(file, [
    {
      field: '',
      message: `the file changed since batch ${plan.root.id} was submitted (${plan.expected} jobs then, ${now} now); run it without --resume to start a new batch`,
    },
  ])
}

/** How many of the file's jobs are still to be written, refusing a file that no longer matches the run. */
export function missingJobs(plan: ResumePlan, request: SubmitRequest, file: string): number {
  const now = requestSize(request)
  // No total recorded: complete unless the batch says its expansion never finished (inputs
  // expanded lazily, whose number is known only at the end); then the file says how many.
  if (plan.expected === null) return plan.root.complete === false ? Math.max(0, now - plan.stored) : 0
  checkUnchanged(plan, now, file)
  return Math.max(0, plan.expected - plan.stored)
}
