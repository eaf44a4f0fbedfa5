// What the joblog, --results and --dry-run need to know of each job that the engine's view
// leaves out: its number in the run (GNU parallel's {#}), its params (for the command line)
// and the input it was made from (for the results folder).
import type { JobSpec } from '../../shared/job.ts'
import type { SubmitRequest } from '../engine/index.ts'
import { validateSubmission, type IndexedSpec } from '../engine/submission.ts'

export interface PlannedJob {
  /** From 1, in input order. */
  seq: number
  kind: string
  params: Record<string, unknown>
  /** The name the batch gives it, if any. */
  name?: string
  /** The template's input for this job; absent for a list of jobs or a count. */
  input?: { value: unknown }
}

/** The submit request expanded to its jobs, exactly as the engine expands it. */
export async function expandRequest(request: SubmitRequest): Promise<PlannedJob[]> {
  const specs: JobSpec[] = await validateSubmission(request)
  const inputs = request.inputs
  return specs.map((spec, i) => {
    const job: PlannedJob = { seq: i + 1, kind: spec.kind, params: spec.params }
    if (spec.name !== undefined) job.name = spec.name
    if (inputs) job.input = { value: inputs[i] }
    return job
  })
}

/** A streamed template's jobs as they are read, numbered by their input (nothing held but the current one). */
export async function* plannedStream(specs: AsyncIterable<IndexedSpec>): AsyncGenerator<PlannedJob> {
  for await (const { index, spec, input } of specs) {
    const job: PlannedJob = { seq: index + 1, kind: spec.kind, params: spec.params }
    if (spec.name !== undefined) job.name = spec.name
    if (input !== undefined) job.input = { value: input }
    yield job
  }
}

/** Planned jobs by the engine's job id. */
export type JobPlan = Map<number, PlannedJob>

/** A fresh batch: the engine's ids are in the order of the expanded jobs. */
export function planSubmitted(jobs: PlannedJob[], jobIds: readonly number[]): JobPlan {
  const plan: JobPlan = new Map()
  jobIds.forEach((id, i) => {
    const job = jobs[i]
    if (job) plan.set(id, job)
  })
  return plan
}

/**
 * A resumed batch: its jobs in id order, with the params they were stored with (what runs
 * again) and, when the batch file still expands to as many jobs, the inputs by position (as
 * GNU parallel's --resume, which needs the input and command to be unchanged).
 */
export function planResumed(
  previousIds: readonly number[],
  stored: ReadonlyMap<number, { kind: string; params: Record<string, unknown> }>,
  fromFile: PlannedJob[] | null,
): JobPlan {
  const plan: JobPlan = new Map()
  const ids = [...previousIds].sort((a, b) => a - b)
  const sameShape = fromFile !== null && fromFile.length === ids.length
  ids.forEach((id, i) => {
    const row = stored.get(id) ?? fromFile?.[i]
    if (!row) return
    const job: PlannedJob = { seq: i + 1, kind: row.kind, params: row.params }
    const input = sameShape ? fromFile[i]!.input : undefined
    if (input) job.input = input
    plan.set(id, job)
  })
  return plan
}
