// How `corelane run` puts its jobs into the engine, once the data folder is open: a template
// batch pulled by the engine from its inputs (submitStream), or a list of jobs in one submit; either new, or the file's last
// run resumed (see resume.ts). Each answers a Started: a promise that settles with the run's
// outcome, and the progress the bar draws. run-command.ts does the rest around it.
import { emptyCounts, JOB_STATES, type JobState, type JobView } from '../shared/job.ts'
import { rangeLength, type BatchFile } from '../shared/schemas.ts'
import type { Engine, JobStore, StoredJob, SubmitRequest } from '../main/engine/index.ts'
import { streamNamesDependencies, streamSubmission } from '../main/engine/submission.ts'
import type { InputSource } from './batch-file.ts'
import type { RunFlags } from './args.ts'
import { resumeStates, type RunControls } from './controls/run-controls.ts'
import type { RunCluster } from './run-cluster.ts'
import { isIncomplete, requestFrom, requestSize, type ResumePlan } from './resume.ts'
import { coveredSkip, firstUncovered, type Covered } from './stream-resume.ts'

export interface RunOutput {
  out: NodeJS.WritableStream & { isTTY?: boolean }
  err: NodeJS.WritableStream & { isTTY?: boolean }
}

export interface RunContext {
  batch: BatchFile
  /** A template batch: pulled by the engine from its inputs as they are read, never held whole. */
  streamed: boolean
  /** A streamed batch's inputs, read only when the run reads them. */
  inputs: InputSource | null
  request: SubmitRequest
  source: string
  sourceKey: string | null
  dataDir: string
  plan: ResumePlan | null
  /** Jobs of a cut-short list still to be added (see resume.ts). */
  missing: number
  /** A resumed stream: the inputs its batch covers and how those jobs ended, as the database said before the run. */
  covered: Covered
  /** The resumed batch's rows that were loaded (a stream's: only those that run again). */
  stored: StoredJob[]
  /** The batch controls (halt, joblog, results, keep-order, gates, --resume-failed). */
  controls: RunControls
  /** --redis: the cluster the engine also hands jobs to. */
  cluster: RunCluster | null
  flags: RunFlags
  io: RunOutput
}

/** Where a run stands once its jobs have settled: its batches, its size and how its jobs ended. */
export interface Outcome {
  batchIds: number[]
  total: number
  counts: Record<JobState, number>
}

/** A run in progress: resolves once every job has settled (or a bad input stopped a stream: `error`). */
export interface Started {
  settled: Promise<{ outcome: () => Outcome; error?: unknown }>
  /** For the bar: jobs done so far, of how many, the rate and the ETA. */
  progress: () => { done: number; total: number; rate: number; etaMs: number | null }
  stop?: () => void
}

/** How many jobs a streamed template batch will hold, when the file says (null: `lines`, counted at their end). */
export function streamTotal(batch: BatchFile): number | null {
  if (batch.count !== undefined) return batch.count
  const inputs = batch.inputs
  if (inputs === undefined || 'lines' in inputs) return null
  return Array.isArray(inputs) ? inputs.length : rangeLength(inputs.range)
}

/** Resolves once the stream has written out what it buffered (at once when it has room). */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  const writable = stream as NodeJS.WritableStream & { writableNeedDrain?: boolean }
  if (!writable.writableNeedDrain) return Promise.resolve()
  return new Promise((resolve) => stream.once('drain', () => resolve()))
}

function sumCounts(...parts: Partial<Record<JobState, number>>[]): Record<JobState, number> {
  const sum = emptyCounts()
  for (const part of parts) for (const [state, n] of Object.entries(part)) sum[state as JobState] += n
  return sum
}

/**
 * Runs again the resumed run's jobs in the states the resume retries (interrupted and
 * cancelled; with --resume-failed failed and timed-out too), all in memory.
 */
function retryUnfinished(
  engine: Engine,
  batchIds: number[],
  states: readonly JobState[],
): { again: number[]; previous: JobView[] } {
  const previous = batchIds.flatMap((id) => engine.listJobs({ batchId: id, limit: Number.MAX_SAFE_INTEGER }).jobs)
  const again = previous.filter((j) => states.includes(j.state)).map((j) => j.id)
  engine.retry(again)
  return { again, previous }
}

/**
 * A template batch, streamed: the engine pulls it (engine.submitStream) with the run's batch
 * controls applied to it as it is read. A new run records its total (when the file knows it)
 * with its first write and is marked complete once its input has been read to the end; a
 * resumed run retries its unfinished jobs and, when the run is incomplete (cut short), reads
 * on, skipping by index every input its batch already holds a job for.
 */
export async function startStream(engine: Engine, store: JobStore, ctx: RunContext): Promise<Started> {
  const { batch, request, source, sourceKey, plan, flags, io, controls } = ctx
  const started = Date.now()
  const before = ctx.covered
  const readOn = plan === null || isIncomplete(plan)
  // The resumed batch's jobs in memory: only those that run again (the rest are counted in `before`).
  let again: StoredJob[] = []
  let adopted = 0
  if (plan) {
    const batchIds = plan.batches.map((b) => b.id)
    const retried = retryUnfinished(engine, batchIds, resumeStates(controls.controls))
    adopted = retried.previous.length
    const ids = new Set(retried.again)
    again = ctx.stored.filter((job) => ids.has(job.id))
    if (!flags.quiet && !flags.json) {
      const rest = readOn ? `, reading on from input ${firstUncovered(before.inputs) + 1}` : ''
      io.err.write(
        `resuming batch ${plan.root.id}: ${retried.again.length} to run again, ${before.finished.succeeded ?? 0} already done${rest}\n`,
      )
    }
  } else if (sourceKey) store.expectBatch({ source: sourceKey, total: streamTotal(batch), root: null })
  const known = streamTotal(batch)
  /** Jobs of the batch that stay finished from before this run (not in the engine's memory). */
  const kept = before.covered - adopted
  const inputs = readOn ? ctx.inputs : null
  const specs = readOn
    ? streamSubmission({
        skip: coveredSkip(before.inputs),
        template: batch.template,
        defaults: request.defaults,
        count: batch.count,
        inputs: inputs?.inputs,
        inputField: inputs?.field,
      })
    : (async function* () {})()
  const handle = engine.submitStream({
    name: request.name ?? source,
    source: sourceKey ?? undefined,
    continues: plan?.root,
    specs,
    total: known === null ? null : known - kept,
    ordered: controls.controls.keepOrder,
    dependencies: streamNamesDependencies(batch.template, batch.defaults, batch.inputs),
    inputField: inputs?.field,
    delay: request.delay,
    maxLoad: request.maxLoad,
    memFree: request.memFree,
    onQueued: (jobId, item) => controls.queued(jobId, item),
    // Each finished job's --json line waits in memory until stdout takes it: a slow reader
    // (a pipe into a busy program) holds the reading back instead.
    pace: () => ((io.out as { writableNeedDrain?: boolean }).writableNeedDrain ? drained(io.out) : null),
  })
  const { batchId, progress } = handle
  const counts: Partial<Record<JobState, number>> = {}
  let settled = 0
  const offSettled = engine.onJobSettled((job) => {
    if (job.batchId !== batchId) return
    settled++
    counts[job.state] = (counts[job.state] ?? 0) + 1
  })
  controls.startStream(
    engine,
    { batchId, total: () => (known ?? before.covered + progress.read) - kept, stopReading: () => handle.stop() },
    again,
  )
  const outcome = (): Outcome => ({
    batchIds: [batchId],
    total: before.covered + progress.read,
    counts: sumCounts(before.finished, counts),
  })
  const finish = async () => {
    offSettled()
    // Read to its end: the batch is whole, so a later --resume need not read on.
    if (progress.exhausted && !progress.cancelled) {
      await engine.flushStore()
      store.markComplete(batchId)
    }
  }
  return {
    // A bad input stops the reading; the jobs already queued finish (done waits), then the error is reported.
    settled: handle.done.then(
      async () => (await finish(), { outcome }),
      async (error: unknown) => (await finish(), { outcome, error }),
    ),
    progress: () => {
      // The total is known for a count, a range or a list; for lines once the input ends.
      const total = known !== null ? known : before.covered + progress.read
      const rate = settled / Math.max(0.001, (Date.now() - started) / 1000)
      const left = total - kept - settled
      const eta = known !== null || progress.inputEnded ? (left / Math.max(rate, 1e-9)) * 1000 : null
      return { done: kept + settled, total, rate, etaMs: eta }
    },
    stop: () => handle.stop(),
  }
}

/** A list of jobs: one submit that records its total, or a resumed run that adds what a cut-short submit never wrote. */
export async function startList(engine: Engine, store: JobStore, ctx: RunContext): Promise<Started> {
  const { plan, flags, io, controls } = ctx
  let batchIds: number[]
  let jobIds: number[]
  /** The jobs this run runs, in input order (a resume's are those it runs again, and those it adds). */
  let running: number[]
  if (plan) {
    batchIds = plan.batches.map((b) => b.id)
    // The file's (or the flags') delay and limits again: gates are not kept in the database.
    for (const id of batchIds) engine.gateBatch?.(id, controls.controls.gates)
    const { again, previous } = retryUnfinished(engine, batchIds, resumeStates(controls.controls))
    if (!flags.quiet && !flags.json) {
      const done = previous.filter((j) => j.state === 'succeeded').length
      const rest = ctx.missing ? `, ${ctx.missing} never submitted (the last submit was cut short) to add` : ''
      io.err.write(`resuming batch ${plan.root.id}: ${again.length} to run again, ${done} already done${rest}\n`)
    }
    jobIds = previous.map((j) => j.id)
    running = again
    if (ctx.missing > 0) {
      // The rest goes into the same batch, as a stream's does: one run, one batch.
      const { jobs, defaults } = requestFrom(ctx.request, plan.stored)
      const added = (await engine.appendToBatch(plan.root, { jobs, defaults })).jobIds
      jobIds.push(...added)
      running = [...running, ...added]
      await engine.flushStore()
      store.markComplete(plan.root.id)
    }
  } else {
    const request = { ...ctx.request, source: ctx.sourceKey ?? undefined }
    // The first write records how many jobs the batch will hold, so a cut-short submit is known later.
    if (request.source) store.expectBatch({ source: request.source, total: requestSize(request), root: null })
    const submitted = await engine.submit(request)
    await engine.flushStore()
    store.markComplete(submitted.batchId)
    batchIds = [submitted.batchId]
    jobIds = submitted.jobIds
    running = jobIds
  }
  await controls.start(engine, ctx.request, running, jobIds, plan !== null)
  const ours = new Set(batchIds)
  const counts = () => {
    const sum = emptyCounts()
    for (const view of engine.batches()) {
      if (!ours.has(view.id)) continue
      for (const state of JOB_STATES) sum[state] += view.counts[state]
    }
    return sum
  }
  const total = jobIds.length
  return {
    settled: engine.whenSettled(jobIds).then(() => ({ outcome: () => ({ batchIds, total, counts: counts() }) })),
    progress: () => {
      const c = counts()
      const views = engine.batches().filter((view) => ours.has(view.id))
      return {
        done: total - c.queued - c.running - c.retrying,
        total,
        rate: views.reduce((sum, view) => sum + view.throughput, 0),
        etaMs: views.find((view) => view.etaMs !== null)?.etaMs ?? null,
      }
    },
  }
}
