// `corelane run <batch.json | ->`: runs a batch headless. A progress bar with ETA on a
// terminal; with --json, one JSON line per finished job and a summary line. Exit code 0 when
// every job succeeded, 1 when any did not, 2 on invalid input, 3 when job records could not
// be saved to the database (see durability.ts).
import { resolve } from 'node:path'
import { emptyCounts, isTerminal, JOB_STATES, type JobState, type JobView } from '../shared/job.ts'
import { rangeLength, type BatchFile } from '../shared/schemas.ts'
import { ValidationError } from '../shared/validate.ts'
import type { Engine, JobStore, SubmitRequest } from '../main/engine/index.ts'
import { openPersistentEngine, type PersistentEngine } from '../main/host/persistent-engine.ts'
import { InputError, loadBatchFile, templateInputs, toSubmitRequest, type InputSource } from './batch-file.ts'
import { streamSubmission } from '../main/engine/submission.ts'
import { StreamFeed } from './stream-feed.ts'
import { coveredInputs, type Covered } from './stream-resume.ts'
import { defaultDataDir } from './data-dir.ts'
import { dataDirError } from './data-dir-errors.ts'
import { EXIT_NOT_DURABLE, reportDurability, trapStopSignals, waitUntilDurable } from './durability.ts'
import { checkUnchanged, findResume, isIncomplete, missingJobs, requestFrom, requestSize, type ResumePlan } from './resume.ts'
import type { RunFlags } from './args.ts'

export interface RunOutput {
  out: NodeJS.WritableStream & { isTTY?: boolean }
  err: NodeJS.WritableStream & { isTTY?: boolean }
}

/** The fields of a finished job that `--json` prints, in a stable order. */
export function jobLine(job: JobView): Record<string, unknown> {
  const line: Record<string, unknown> = {
    id: job.id,
    name: job.name,
    kind: job.kind,
    state: job.state,
    executor: job.executor,
    attempts: job.attempts,
    startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
    endedAt: job.endedAt === null ? null : new Date(job.endedAt).toISOString(),
  }
  if (job.state === 'succeeded') {
    line.result = withoutLogFile(job.result ?? null, job.logFile)
    if (job.resultFile) line.resultFile = job.resultFile
  } else line.error = job.error ?? null
  if (job.logFile) line.logFile = job.logFile
  return line
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

/** A shell job's result repeats its log file; the line names it once, as `logFile`. */
function withoutLogFile(result: unknown, logFile: string | null): unknown {
  if (!logFile || result === null || typeof result !== 'object' || Array.isArray(result)) return result
  const { logFile: repeated, ...rest } = result as Record<string, unknown>
  return repeated === logFile ? rest : result
}

function formatEta(ms: number | null): string {
  if (ms === null) return '?'
  const s = Math.round(ms / 1000)
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${s}s`
}

/** How many jobs a streamed template batch will hold, when the file says (null: `lines`, counted at their end). */
function streamTotal(batch: BatchFile): number | null {
  if (batch.count !== undefined) return batch.count
  const inputs = batch.inputs
  if (inputs === undefined || 'lines' in inputs) return null
  return Array.isArray(inputs) ? inputs.length : rangeLength(inputs.range)
}

export async function runCommand(file: string | undefined, flags: RunFlags, io: RunOutput): Promise<number> {
  if (!file) throw new InputError('arguments', [{ field: '<batch.json | ->', message: 'is required' }])
  const { batch, source, baseDir } = await loadBatchFile(file)
  // A template's inputs are streamed (read as jobs are queued, never held whole); a list of
  // jobs goes in one submit.
  const streamed = batch.template !== undefined
  const request: SubmitRequest = streamed
    ? { name: batch.name ?? source, defaults: batch.defaults }
    : await toSubmitRequest(batch, source, baseDir)
  if (flags.executor) request.defaults = { ...request.defaults, executor: flags.executor }
  // Lazy (nothing is read until iterated), so a bad `lines` is refused before the data folder opens.
  const inputs = streamed && batch.inputs !== undefined ? templateInputs(batch, source, baseDir) : null

  const dataDir = flags['data-dir'] ?? defaultDataDir()
  const sourceKey = file === '-' ? null : resolve(file)
  // --resume: the last run from the same file comes back from the database (any size).
  let plan: ResumePlan | null = null
  let missing = 0
  let covered: Covered = { covered: 0, finished: {} }
  const pickResume = async (store: JobStore): Promise<number[]> => {
    if (!flags.resume || !sourceKey) return []
    plan = await findResume(store, sourceKey)
    if (!plan) return []
    // Before any job is restored (and run): a file that no longer matches its run is refused untouched.
    if (streamed) {
      checkUnchanged(plan, streamTotal(batch), source)
      // Counted before any job can run again (none is loaded yet), so no job is counted twice.
      covered = await coveredInputs(
        store,
        plan.batches.map((b) => b.id),
      )
    } else missing = missingJobs(plan, request, source)
    return plan.batches.map((b) => b.id)
  }
  let opened: PersistentEngine
  try {
    opened = await openPersistentEngine({
      dataDir,
      cpuSlots: flags['cpu-slots'],
      ioConcurrency: flags['io-concurrency'],
      pinning: flags.pin,
      restore: flags.resume ? pickResume : 'none',
      // A resumed list of jobs holds all of them (for its counts); a streamed resume loads
      // only the jobs it runs again and counts the finished ones in the database.
      loadFinished: streamed ? 0 : undefined,
      moveAsideCorrupt: flags['reset-db'],
    })
  } catch (error) {
    dataDirError(error, '--reset-db')
  }
  try {
    const ctx: RunContext = {
      batch,
      inputs,
      request,
      source,
      sourceKey,
      dataDir,
      plan: plan as ResumePlan | null,
      missing,
      covered,
      flags,
      io,
    }
    return await runOpened(opened, ctx)
  } finally {
    // Every path closes the engine, the store and the lock (a hang otherwise: their threads keep Node alive).
    await opened.close()
  }
}

interface RunContext {
  batch: BatchFile
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
  flags: RunFlags
  io: RunOutput
}

/** Where a run stands once its jobs have settled: its batches, its size and how its jobs ended. */
interface Outcome {
  batchIds: number[]
  total: number
  counts: Record<JobState, number>
}

/** A run in progress: resolves once every job has settled (or a bad input stopped a stream: `error`). */
interface Started {
  settled: Promise<{ outcome: () => Outcome; error?: unknown }>
  /** For the bar: jobs done so far, of how many, the rate and the ETA. */
  progress: () => { done: number; total: number; rate: number; etaMs: number | null }
  stop?: () => void
}

async function runOpened(opened: PersistentEngine, ctx: RunContext): Promise<number> {
  const { request, source, dataDir, flags, io } = ctx
  const { engine, store } = opened
  if (store.movedAside && !flags.quiet) io.err.write(`corelane: the old database was kept as ${store.movedAside}\n`)
  const stopReporting = reportDurability(store, io.err)
  const started = Date.now()
  const showBar = !flags.quiet && io.err.isTTY === true
  let failed = 0
  engine.onJobSettled((job) => {
    if (job.state !== 'succeeded') failed++
    if (flags.json) io.out.write(`${JSON.stringify(jobLine(job))}\n`)
    else if (!showBar && !flags.quiet && job.state !== 'succeeded') {
      io.err.write(`${job.name}: ${job.state}: ${job.error?.message ?? ''}\n`)
    }
  })

  let run: Started | null = null
  let interrupted = false
  const onSigint = () => {
    if (interrupted) process.exit(130)
    interrupted = true
    io.err.write('\ncancelling… (Ctrl-C again to quit now)\n')
    run?.stop?.()
    engine.cancel(
      engine
        .listJobs({ limit: Number.MAX_SAFE_INTEGER })
        .jobs.filter((j) => !isTerminal(j.state))
        .map((j) => j.id),
    )
  }
  process.on('SIGINT', onSigint)
  try {
    run = ctx.batch.template !== undefined ? await startStream(engine, store, ctx) : await startList(engine, store, ctx)
  } catch (error) {
    process.off('SIGINT', onSigint)
    stopReporting()
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
  const current = run
  // Loaded only for a terminal: a batch run from a script or a pipe never draws the bar.
  const bar = showBar
    ? new (await import('cli-progress')).SingleBar(
        {
          format: ' {bar} {percentage}% | {value}/{total} jobs | {failed} failed | {rate}/s | ETA {etaText}',
          hideCursor: true,
          stream: io.err,
        },
        { format: '', barCompleteChar: '█', barIncompleteChar: '░' },
      )
    : null
  const ticker = bar
    ? setInterval(() => {
        const p = current.progress()
        bar.setTotal(Math.max(p.total, 1))
        bar.update(p.done, { failed, rate: p.rate.toFixed(1), etaText: formatEta(p.etaMs) })
      }, 200)
    : null
  bar?.start(Math.max(current.progress().total, 1), 0, { failed: 0, rate: '0', etaText: '?' })
  const { outcome, error: feedError } = await current.settled
  if (ticker) clearInterval(ticker)
  const { batchIds, total, counts: final } = outcome()
  const wallMs = Date.now() - started
  // The last frame shows the run's mean rate, not a placeholder.
  bar?.setTotal(Math.max(total, 1))
  bar?.update(total, { failed, rate: (total / Math.max(wallMs / 1000, 0.001)).toFixed(1), etaText: '0s' })
  bar?.stop()
  // Records still only in memory (writes failing): wait for them, or leave saying so.
  const stop = trapStopSignals()
  process.off('SIGINT', onSigint)
  let durable: boolean
  try {
    await engine.flushStore()
    durable = await waitUntilDurable(store, io.err, stop.signal)
  } finally {
    stop.release()
  }
  stopReporting()
  // A bad input stopped the stream: the jobs before it ran and are saved; the input is named.
  if (feedError) {
    if (feedError instanceof ValidationError) throw new InputError(source, feedError.problems)
    throw feedError
  }
  const summary = {
    summary: {
      batch: request.name,
      batchId: batchIds[0],
      total,
      succeeded: final.succeeded,
      failed: final.failed,
      cancelled: final.cancelled,
      timedOut: final['timed-out'],
      wallMs,
      dataDir,
      ...(durable ? {} : { notSaved: true }),
    },
  }
  if (flags.json) io.out.write(`${JSON.stringify(summary)}\n`)
  else if (!flags.quiet) {
    const s = summary.summary
    io.err.write(
      `${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.cancelled} cancelled, ${s.timedOut} timed out in ${(s.wallMs / 1000).toFixed(2)} s (batch ${batchIds.join('+')}, data: ${dataDir})\n`,
    )
  }
  if (!durable) return EXIT_NOT_DURABLE
  return final.succeeded === total ? 0 : 1
}

/** Runs again the resumed run's interrupted and cancelled jobs (all in memory); returns how many. */
function retryUnfinished(engine: Engine, batchIds: number[]): { again: number; previous: JobView[] } {
  const previous = batchIds.flatMap((id) => engine.listJobs({ batchId: id, limit: Number.MAX_SAFE_INTEGER }).jobs)
  const again = previous.filter((j) => j.state === 'interrupted' || j.state === 'cancelled').map((j) => j.id)
  engine.retry(again)
  return { again: again.length, previous }
}

/**
 * A template batch, streamed: a new run records its total (when the file knows it) with its
 * first chunk and is marked complete after its last; a resumed run retries its unfinished
 * jobs and, when the run is incomplete (cut short), reads on past the inputs it covers.
 */
async function startStream(engine: Engine, store: JobStore, ctx: RunContext): Promise<Started> {
  const { batch, request, source, sourceKey, plan, flags, io } = ctx
  const started = Date.now()
  const before = ctx.covered
  // The resumed batch's jobs in memory: only those that run again (the rest are counted in `before`).
  let adopted = 0
  const readOn = plan === null || isIncomplete(plan)
  if (plan) {
    const { again, previous } = retryUnfinished(
      engine,
      plan.batches.map((b) => b.id),
    )
    adopted = previous.length
    if (!flags.quiet && !flags.json) {
      const rest = readOn ? `, reading on from input ${before.covered + 1}` : ''
      io.err.write(
        `resuming batch ${plan.root.id}: ${again} to run again, ${before.finished.succeeded ?? 0} already done${rest}\n`,
      )
    }
  } else if (sourceKey) store.expectBatch({ source: sourceKey, total: streamTotal(batch), root: null })
  const feed = new StreamFeed(engine, {
    name: request.name ?? source,
    source: sourceKey ?? undefined,
    continues: plan?.root,
    // Each finished job's --json line waits in memory until stdout takes it: a slow reader
    // (a pipe into a busy program) holds the reading back instead.
    backpressure: () => drained(ctx.io.out),
    complete: async (batchId) => {
      await engine.flushStore()
      store.markComplete(batchId)
    },
  })
  feed.adopt(adopted)
  const covered = before.covered
  const inputs = readOn ? ctx.inputs : null
  const specs = readOn
    ? streamSubmission({
        skip: covered ? (index) => index < covered : undefined,
        template: batch.template,
        defaults: request.defaults,
        count: batch.count,
        inputs: inputs?.inputs,
        inputField: inputs?.field,
      })
    : (async function* () {})()
  const outcome = (): Outcome => ({
    batchIds: feed.batchId === null ? [] : [feed.batchId],
    total: covered + feed.progress.submitted - adopted,
    counts: sumCounts(before.finished, feed.progress.counts),
  })
  return {
    // A bad input stops the reading; the jobs already queued finish, then the error is reported.
    settled: feed.run(specs).then(
      () => ({ outcome }),
      async (error: unknown) => {
        await engine.whenSettled()
        return { outcome, error }
      },
    ),
    progress: () => {
      // A stream's total is known once its input ends; until then the bar follows what was read.
      const { submitted: fed, settled, inputEnded } = feed.progress
      const rate = settled / Math.max(0.001, (Date.now() - started) / 1000)
      const eta = inputEnded ? ((fed - settled) / Math.max(rate, 1e-9)) * 1000 : null
      return { done: covered - adopted + settled, total: covered - adopted + fed, rate, etaMs: eta }
    },
    stop: () => feed.stop(),
  }
}

/** A list of jobs: one submit that records its total, or a resumed run that adds what a cut-short submit never wrote. */
async function startList(engine: Engine, store: JobStore, ctx: RunContext): Promise<Started> {
  const { plan, flags, io } = ctx
  let batchIds: number[]
  let jobIds: number[]
  if (plan) {
    batchIds = plan.batches.map((b) => b.id)
    const { again, previous } = retryUnfinished(engine, batchIds)
    if (!flags.quiet && !flags.json) {
      const done = previous.filter((j) => j.state === 'succeeded').length
      const rest = ctx.missing ? `, ${ctx.missing} never submitted (the last submit was cut short) to add` : ''
      io.err.write(`resuming batch ${plan.root.id}: ${again} to run again, ${done} already done${rest}\n`)
    }
    jobIds = previous.map((j) => j.id)
    if (ctx.missing > 0) {
      // The rest goes into the same batch, as a stream's does: one run, one batch.
      const { jobs, defaults } = requestFrom(ctx.request, plan.stored)
      jobIds.push(...(await engine.appendToBatch(plan.root, { jobs, defaults })).jobIds)
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
  }
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
