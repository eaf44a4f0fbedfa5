// `corelane run <batch.json | ->`: runs a batch headless. A progress bar with ETA on a
// terminal; with --json, one JSON line per finished job and a summary line. Exit code 0 when
// every job succeeded, 1 when any did not (or a --halt rule decides), 2 on invalid input, 3
// when job records could not be saved to the database (see durability.ts). How the jobs get
// into the engine (streamed, in one submit, or resumed) is in run-start.ts.
import { resolve } from 'node:path'
import { isTerminal, type JobView } from '../shared/job.ts'
import { ValidationError } from '../shared/validate.ts'
import type { JobStore, SubmitRequest } from '../main/engine/index.ts'
import { openPersistentEngine, type PersistentEngine } from '../main/host/persistent-engine.ts'
import type { RunCluster } from './run-cluster.ts'
import { InputError, loadBatchFile, templateInputs, toSubmitRequest } from './batch-file.ts'
import { coveredInputs, NOTHING_COVERED, type Covered } from './stream-resume.ts'
import { defaultDataDir } from './data-dir.ts'
import { dataDirError } from './data-dir-errors.ts'
import { EXIT_NOT_DURABLE, reportDurability, trapStopSignals, waitUntilDurable } from './durability.ts'
import { checkUnchanged, findResume, missingJobs, type ResumePlan } from './resume.ts'
import type { RunFlags } from './args.ts'
import { printDryRun } from './controls/dry-run.ts'
import { expandRequest, plannedStream } from '../main/host/job-plan.ts'
import { streamSubmission } from '../main/engine/submission.ts'
import { resolveControls, RunControls } from './controls/run-controls.ts'
import { startList, startStream, streamTotal, type RunContext, type RunOutput, type Started } from './run-start.ts'
import { defaultSlots, processWorkersFor, shellJobsFirst, warmStart } from './warm-start.ts'

export type { RunOutput } from './run-start.ts'

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

/** A batch the engine's own expansion refuses is the user's input: exit 2, naming the field. */
function rethrowAsInput(source: string) {
  return (error: unknown): never => {
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
}

export async function runCommand(file: string | undefined, flags: RunFlags, io: RunOutput): Promise<number> {
  if (!file) throw new InputError('arguments', [{ field: '<batch.json | ->', message: 'is required' }])
  const { batch, source, baseDir } = await loadBatchFile(file)
  const resolved = resolveControls(batch, flags, source)
  // A template's inputs are streamed (read as jobs are queued, never held whole), with every
  // batch control applied as they are read; a list of jobs goes in one submit.
  const streamed = batch.template !== undefined
  const request: SubmitRequest = streamed
    ? { name: batch.name ?? source, defaults: batch.defaults }
    : await toSubmitRequest(batch, source, baseDir)
  if (flags.executor) request.defaults = { ...request.defaults, executor: flags.executor }
  Object.assign(request, resolved.gates)
  // Lazy (nothing is read until iterated), so a bad `lines` is refused before the data folder opens.
  const inputs = streamed && batch.inputs !== undefined ? templateInputs(batch, source, baseDir) : null
  if (resolved.dryRun) {
    const jobs = streamed
      ? plannedStream(
          streamSubmission({
            template: batch.template,
            defaults: request.defaults,
            count: batch.count,
            inputs: inputs?.inputs,
            inputField: inputs?.field,
          }),
        )
      : await expandRequest(request).catch(rethrowAsInput(source))
    return printDryRun(jobs, flags.json, io.out).catch(rethrowAsInput(source))
  }
  const controls = new RunControls(resolved, io, flags.quiet)
  await controls.prepare(io.out)

  const dataDir = flags['data-dir'] ?? defaultDataDir()
  const sourceKey = file === '-' ? null : resolve(file)
  // --resume (and --resume-failed): the last run from the same file comes back from the database (any size).
  let plan: ResumePlan | null = null
  let missing = 0
  let covered: Covered = NOTHING_COVERED
  const pickResume = async (store: JobStore): Promise<number[]> => {
    if (!resolved.resume || !sourceKey) return []
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
  // The store's thread and the first jobs' worker processes start now, while the folder opens
  // (a resumed run's jobs come from the database: no workers are guessed for it).
  const slots = flags['cpu-slots'] ?? (flags.redis ? 1 : defaultSlots())
  const defaults = request.defaults ?? {}
  const warm = warmStart(
    dataDir,
    resolved.resume ? 0 : processWorkersFor(batch, defaults, slots),
    shellJobsFirst(batch, defaults, slots),
  )
  let opened: PersistentEngine
  try {
    opened = await openPersistentEngine({
      storeThread: warm.thread,
      processHost: warm.processHost,
      dataDir,
      // With --redis this machine keeps one CPU slot and one I/O job of its own unless told otherwise.
      cpuSlots: flags['cpu-slots'] ?? (flags.redis ? 1 : undefined),
      ioConcurrency: flags['io-concurrency'] ?? (flags.redis ? 1 : undefined),
      pinning: flags.pin,
      restore: resolved.resume ? pickResume : 'none',
      // A resumed list of jobs holds all of them (for its counts); a streamed resume loads
      // only the jobs it runs again and counts the finished ones in the database.
      loadFinished: streamed ? 0 : undefined,
      loadFailed: streamed && resolved.resumeFailed,
      moveAsideCorrupt: flags['reset-db'],
    })
  } catch (error) {
    warm.dispose()
    dataDirError(error, '--reset-db')
  }
  let cluster: RunCluster | null = null
  try {
    // --redis (or CORELANE_REDIS_URL): the engine also hands jobs to the cluster's agents.
    if (flags.redis) cluster = await (await import('./run-cluster.ts')).joinCluster(opened.engine, flags.redis, dataDir)
    // Set by pickResume, inside openPersistentEngine (which TypeScript cannot see).
    const resumed = plan as ResumePlan | null
    // The joblog of a resumed run names the commands of the jobs it runs again.
    for (const b of resumed?.batches ?? []) controls.rememberStored(opened.loaded, b.id)
    const ctx: RunContext = {
      batch,
      streamed,
      inputs,
      request,
      source,
      sourceKey,
      dataDir,
      plan: resumed,
      missing,
      covered,
      stored: resumed ? opened.loaded.jobs : [],
      controls,
      cluster,
      flags,
      io,
    }
    return await runOpened(opened, ctx)
  } finally {
    // Every path closes the engine, the store and the lock (a hang otherwise: their threads keep
    // Node alive); the cluster first, since once the engine closes it ends the remote executor too.
    await cluster?.close()
    await opened.close()
    warm.dispose()
  }
}

async function runOpened(opened: PersistentEngine, ctx: RunContext): Promise<number> {
  const { request, source, dataDir, flags, io, controls, cluster } = ctx
  const { engine, store } = opened
  if (store.movedAside && !flags.quiet) io.err.write(`corelane: the old database was kept as ${store.movedAside}\n`)
  const stopReporting = reportDurability(store, io.err)
  const started = Date.now()
  const showBar = !flags.quiet && io.err.isTTY === true
  let failed = 0
  engine.onJobSettled((job) => {
    if (job.state !== 'succeeded') failed++
    controls.settled(job)
    if (flags.json) {
      const line = cluster ? { ...jobLine(job), agent: cluster.agentOf(job.id) } : jobLine(job)
      controls.output.put(job.id, `${JSON.stringify(line)}\n`)
    } else if (!showBar && !flags.quiet && job.state !== 'succeeded') {
      io.err.write(`${job.name}: ${job.state}: ${job.error?.message ?? ''}\n`)
    }
  })

  let run: Started | null = null
  let interrupted = false
  // SIGTERM as a first Ctrl-C: every job is cancelled, and the run ends the normal way, closing
  // the engine, which ends its workers and their commands' process groups (the default action
  // would leave the commands running until the next start on this data folder ends them).
  const onSigint = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(signal === 'SIGTERM' ? 143 : 130)
    interrupted = true
    io.err.write(signal === 'SIGTERM' ? '\nSIGTERM: cancelling…\n' : '\ncancelling… (Ctrl-C again to quit now)\n')
    run?.stop?.()
    engine.cancel(
      engine
        .listJobs({ limit: Number.MAX_SAFE_INTEGER })
        .jobs.filter((j) => !isTerminal(j.state))
        .map((j) => j.id),
    )
  }
  const offSignals = () => {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  try {
    run = ctx.streamed ? await startStream(engine, store, ctx) : await startList(engine, store, ctx)
  } catch (error) {
    offSignals()
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
  offSignals()
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
  // The joblog and --results files are complete, and --keep-order's held lines are out.
  const problems = await controls.finish()
  for (const problem of problems) io.err.write(`corelane: ${problem}\n`)
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
      ...controls.summary(),
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
  const code = controls.exitCode(final.succeeded === total, final.failed + final['timed-out'])
  return problems.length ? 1 : code
}
