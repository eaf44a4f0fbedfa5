// `corelane run <batch.json | ->`: runs a batch headless. A progress bar with ETA on a
// terminal; with --json, one JSON line per finished job and a summary line. Exit code 0 when
// every job succeeded, 1 when any did not, 2 on invalid input, 3 when job records could not
// be saved to the database (see durability.ts).
import { SingleBar } from 'cli-progress'
import { resolve } from 'node:path'
import { emptyCounts, isTerminal, JOB_STATES, type JobView } from '../shared/job.ts'
import { ValidationError } from '../shared/validate.ts'
import type { Engine, JobStore, SubmitRequest } from '../main/engine/index.ts'
import { openPersistentEngine, type PersistentEngine } from '../main/host/persistent-engine.ts'
import { InputError, loadBatchFile, toSubmitRequest } from './batch-file.ts'
import { defaultDataDir } from './data-dir.ts'
import { dataDirError } from './data-dir-errors.ts'
import { EXIT_NOT_DURABLE, reportDurability, trapStopSignals, waitUntilDurable } from './durability.ts'
import { findResume, missingJobs, requestFrom, requestSize, type ResumePlan } from './resume.ts'
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

export async function runCommand(file: string | undefined, flags: RunFlags, io: RunOutput): Promise<number> {
  if (!file) throw new InputError('arguments', [{ field: '<batch.json | ->', message: 'is required' }])
  const { batch, source, baseDir } = await loadBatchFile(file)
  const request = await toSubmitRequest(batch, source, baseDir)
  if (flags.executor) request.defaults = { ...request.defaults, executor: flags.executor }

  const dataDir = flags['data-dir'] ?? defaultDataDir()
  const sourceKey = file === '-' ? null : resolve(file)
  // --resume: the last run from the same file comes back from the database (all its jobs, any size).
  let plan: ResumePlan | null = null
  let missing = 0
  const pickResume = async (store: JobStore): Promise<number[]> => {
    if (!flags.resume || !sourceKey) return []
    plan = await findResume(store, sourceKey)
    if (!plan) return []
    // Before any job is restored (and run): a file that no longer matches its run is refused untouched.
    missing = missingJobs(plan, request, source)
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
      moveAsideCorrupt: flags['reset-db'],
    })
  } catch (error) {
    dataDirError(error, '--reset-db')
  }
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await opened.close()
  }
  try {
    return await runOpened(opened, { request, source, sourceKey, dataDir, plan: plan as ResumePlan | null, missing, flags, io })
  } finally {
    // Every path closes the engine, the store and the lock (a hang otherwise: their threads keep Node alive).
    await close()
  }
}

interface RunContext {
  request: SubmitRequest
  source: string
  sourceKey: string | null
  dataDir: string
  plan: ResumePlan | null
  /** Jobs of a cut-short submit still to be expanded (see resume.ts). */
  missing: number
  flags: RunFlags
  io: RunOutput
}

async function runOpened(opened: PersistentEngine, ctx: RunContext): Promise<number> {
  const { request, source, sourceKey, dataDir, plan, flags, io } = ctx
  const { engine, store } = opened
  if (store.movedAside && !flags.quiet) io.err.write(`corelane: the old database was kept as ${store.movedAside}\n`)
  const stopReporting = reportDurability(store, io.err)
  const started = Date.now()
  const showBar = !flags.quiet && io.err.isTTY === true
  const bar = showBar
    ? new SingleBar(
        {
          format: ' {bar} {percentage}% | {value}/{total} jobs | {failed} failed | {rate}/s | ETA {etaText}',
          hideCursor: true,
          stream: io.err,
        },
        { format: '', barCompleteChar: '█', barIncompleteChar: '░' },
      )
    : null
  let failed = 0
  engine.onJobSettled((job) => {
    if (job.state !== 'succeeded') failed++
    if (flags.json) io.out.write(`${JSON.stringify(jobLine(job))}\n`)
    else if (!showBar && !flags.quiet && job.state !== 'succeeded') {
      io.err.write(`${job.name}: ${job.state}: ${job.error?.message ?? ''}\n`)
    }
  })

  let interrupted = false
  const onSigint = () => {
    if (interrupted) process.exit(130)
    interrupted = true
    io.err.write('\ncancelling… (Ctrl-C again to quit now)\n')
    engine.cancel(
      engine
        .listJobs({ limit: Number.MAX_SAFE_INTEGER })
        .jobs.filter((j) => !isTerminal(j.state))
        .map((j) => j.id),
    )
  }
  process.on('SIGINT', onSigint)

  let submitted: { batchIds: number[]; jobIds: number[] }
  try {
    submitted = plan
      ? await resumeRun(engine, store, plan, ctx)
      : await submitNew(engine, store, { ...request, source: sourceKey ?? undefined })
  } catch (error) {
    process.off('SIGINT', onSigint)
    stopReporting()
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
  const total = submitted.jobIds.length
  const ours = new Set(submitted.batchIds)
  const counts = () => {
    const sum = emptyCounts()
    for (const view of engine.batches()) {
      if (!ours.has(view.id)) continue
      for (const state of JOB_STATES) sum[state] += view.counts[state]
    }
    return sum
  }
  const rate = () => engine.batches().reduce((sum, view) => (ours.has(view.id) ? sum + view.throughput : sum), 0)
  const ticker = bar
    ? setInterval(() => {
        const c = counts()
        const done = total - c.queued - c.running - c.retrying
        const view = engine.batches().find((b) => ours.has(b.id) && b.etaMs !== null)
        bar.update(done, { failed, rate: rate().toFixed(1), etaText: formatEta(view?.etaMs ?? null) })
      }, 200)
    : null
  bar?.start(total, 0, { failed: 0, rate: '0', etaText: '?' })
  await engine.whenSettled(submitted.jobIds)
  if (ticker) clearInterval(ticker)
  const wallMs = Date.now() - started
  // The last frame shows the run's mean rate, not a placeholder.
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
  const final = counts()
  const summary = {
    summary: {
      batch: request.name,
      batchId: submitted.batchIds[0],
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
      `${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.cancelled} cancelled, ${s.timedOut} timed out in ${(s.wallMs / 1000).toFixed(2)} s (batch ${submitted.batchIds.join('+')}, data: ${dataDir})\n`,
    )
  }
  if (!durable) return EXIT_NOT_DURABLE
  return final.succeeded === total ? 0 : 1
}

/** Submits a new batch; its first write records how many jobs it will hold, so a cut-short submit is known later. */
async function submitNew(
  engine: Engine,
  store: JobStore,
  request: SubmitRequest,
  root: number | null = null,
): Promise<{ batchIds: number[]; jobIds: number[] }> {
  if (request.source) store.expectBatch({ source: request.source, total: requestSize(request), root })
  const { batchId, jobIds } = await engine.submit(request)
  await engine.flushStore()
  store.markComplete(batchId)
  return { batchIds: [batchId], jobIds }
}

/** Requeues the run's interrupted and cancelled jobs, and expands the jobs a cut-short submit never wrote. */
async function resumeRun(
  engine: Engine,
  store: JobStore,
  plan: ResumePlan,
  ctx: RunContext,
): Promise<{ batchIds: number[]; jobIds: number[] }> {
  const previous = plan.batches.flatMap((b) => engine.listJobs({ batchId: b.id, limit: Number.MAX_SAFE_INTEGER }).jobs)
  const missing = ctx.missing
  const again = previous.filter((j) => j.state === 'interrupted' || j.state === 'cancelled').map((j) => j.id)
  engine.retry(again)
  if (!ctx.flags.quiet && !ctx.flags.json) {
    const done = previous.filter((j) => j.state === 'succeeded').length
    const rest = missing ? `, ${missing} never submitted (the last submit was cut short) to add` : ''
    ctx.io.err.write(`resuming batch ${plan.root.id}: ${again.length} to run again, ${done} already done${rest}\n`)
  }
  const batchIds = plan.batches.map((b) => b.id)
  const jobIds = previous.map((j) => j.id)
  if (missing > 0) {
    const more = await submitNew(
      engine,
      store,
      { ...requestFrom(ctx.request, plan.stored), source: ctx.sourceKey ?? undefined },
      plan.root.id,
    )
    batchIds.push(...more.batchIds)
    jobIds.push(...more.jobIds)
  }
  return { batchIds, jobIds }
}
