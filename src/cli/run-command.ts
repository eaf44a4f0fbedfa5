// `corelane run <batch.json | ->`: runs a batch headless. A progress bar with ETA on a
// terminal; with --json, one JSON line per finished job and a summary line. Exit code 0 when
// every job succeeded, 1 when any did not, 2 on invalid input.
import { resolve } from 'node:path'
import { emptyCounts, isTerminal, type JobState, type JobView } from '../shared/job.ts'
import { ValidationError } from '../shared/validate.ts'
import type { BatchRow, LoadedState } from '../main/engine/index.ts'
import { openPersistentEngine, type PersistentEngine } from '../main/host/persistent-engine.ts'
import type { RunCluster } from './run-cluster.ts'
import { InputError, loadBatchFile, templateInputs, toSubmitRequest } from './batch-file.ts'
import { streamSubmission } from '../main/engine/submission.ts'
import { StreamFeed } from './stream-feed.ts'
import { coveredInputs, lastBatchFrom, type Covered } from './stream-resume.ts'
import { defaultDataDir } from './data-dir.ts'
import { dataDirError } from './data-dir-errors.ts'
import type { RunFlags } from './args.ts'
import { printDryRun } from './controls/dry-run.ts'
import { expandRequest } from './controls/job-plan.ts'
import { needsWholeBatch, resolveControls, resumeStates, RunControls } from './controls/run-controls.ts'

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
    line.result = job.result ?? null
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
  const controls = resolveControls(batch, flags, source)
  // A template's inputs are streamed (read as jobs are queued, never held whole); a list of
  // jobs goes in one submit, and so does a template run with batch controls, which need the
  // whole batch (numbered for the joblog and results, halted, ordered, gated, dependent).
  const streamed = batch.template !== undefined && !needsWholeBatch(batch, controls)
  const request = streamed
    ? { name: batch.name ?? source, defaults: batch.defaults }
    : await toSubmitRequest(batch, source, baseDir)
  if (flags.executor) request.defaults = { ...request.defaults, executor: flags.executor }
  Object.assign(request, controls.gates)
  if (controls.dryRun) return printDryRun(await expandRequest(request).catch(rethrowAsInput(source)), flags.json, io.out)
  const run = new RunControls(controls, io, flags.quiet)
  await run.prepare(io.out)
  const inputs = streamed && batch.inputs !== undefined ? templateInputs(batch, source, baseDir) : null

  const dataDir = flags['data-dir'] ?? defaultDataDir()
  const sourceKey = file === '-' ? null : resolve(file)
  // --resume: the most recent batch from the same file comes back; its unfinished jobs run again.
  let resumeBatch: number | null = null
  let resumeRow: BatchRow | null = null
  const pickResume = (state: LoadedState): number[] | 'none' => {
    if (!controls.resume || !sourceKey) return 'none'
    if (streamed) {
      resumeRow = lastBatchFrom(state, sourceKey)
      resumeBatch = resumeRow?.id ?? null
      return resumeRow ? [resumeRow.id] : 'none'
    }
    const previous = state.batches.filter((b) => b.source === sourceKey).at(-1)
    if (!previous) return 'none'
    resumeBatch = previous.id
    run.rememberStored(state, previous.id)
    return [previous.id]
  }
  let opened: PersistentEngine
  try {
    opened = await openPersistentEngine({
      dataDir,
      // With --redis this machine keeps one CPU slot and one I/O job of its own unless told otherwise.
      cpuSlots: flags['cpu-slots'] ?? (flags.redis ? 1 : undefined),
      ioConcurrency: flags['io-concurrency'] ?? (flags.redis ? 1 : undefined),
      pinning: flags.pin,
      restore: pickResume,
      // Only a resumed list of jobs needs its finished jobs in memory (for its counts); a
      // streamed resume counts them in the database, and a plain run restores nothing.
      loadFinished: controls.resume && !streamed ? undefined : 0,
      moveAsideCorrupt: flags['reset-db'],
    })
  } catch (error) {
    dataDirError(error, '--reset-db')
  }
  const { engine } = opened
  // --redis (or CORELANE_REDIS_URL): the engine also hands jobs to the cluster's agents.
  let cluster: RunCluster | null = null
  if (flags.redis) {
    try {
      const { joinCluster } = await import('./run-cluster.ts')
      cluster = await joinCluster(engine, flags.redis, dataDir)
    } catch (error) {
      await opened.close()
      throw error
    }
  }
  // The cluster first: once the engine closes, it ends the remote executor too.
  const close = async () => {
    await cluster?.close()
    await opened.close()
  }
  if (opened.store.movedAside && !flags.quiet) io.err.write(`corelane: the old database was kept as ${opened.store.movedAside}\n`)
  const started = Date.now()
  const showBar = !flags.quiet && io.err.isTTY === true
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
  let failed = 0
  engine.onJobSettled((job) => {
    if (job.state !== 'succeeded') failed++
    run.settled(job)
    if (flags.json) run.output.put(job.id, `${JSON.stringify(cluster ? { ...jobLine(job), agent: cluster.agentOf(job.id) } : jobLine(job))}\n`)
    else if (!showBar && !flags.quiet && job.state !== 'succeeded') {
      io.err.write(`${job.name}: ${job.state}: ${job.error?.message ?? ''}\n`)
    }
  })

  const feed = streamed
    ? new StreamFeed(engine, {
        name: request.name ?? source,
        source: sourceKey ?? undefined,
        continues: resumeRow ?? undefined,
        // Each finished job's --json line waits in memory until stdout takes it: a slow reader
        // (a pipe into a busy program) holds the reading back instead.
        backpressure: () => drained(io.out),
      })
    : null
  // A resumed stream: the inputs its earlier runs covered, how those jobs ended, and how many came back unfinished.
  let before: Covered = { covered: 0, finished: {} }
  let adopted = 0
  let interrupted = false
  // SIGTERM as a first Ctrl-C: every job is cancelled, and the run ends the normal way, closing
  // the engine, which ends its workers and their commands' process groups (the default action
  // would leave the commands running until the next start on this data folder ends them).
  const onSigint = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(signal === 'SIGTERM' ? 143 : 130)
    interrupted = true
    io.err.write(signal === 'SIGTERM' ? '\nSIGTERM: cancelling…\n' : '\ncancelling… (Ctrl-C again to quit now)\n')
    feed?.stop()
    engine.cancel(
      engine
        .listJobs({ limit: Number.MAX_SAFE_INTEGER })
        .jobs.filter((j) => !isTerminal(j.state))
        .map((j) => j.id),
    )
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)

  let submitted: { batchId: number; jobIds: number[] } = { batchId: 0, jobIds: [] }
  let running: number[] = []
  let feeding: Promise<unknown> = Promise.resolve()
  try {
    // Set by pickResume, inside openPersistentEngine (which TypeScript cannot see).
    const resumed = resumeRow as BatchRow | null
    if (feed) {
      if (resumed) {
        const again = engine
          .listJobs({ limit: Number.MAX_SAFE_INTEGER })
          .jobs.filter((j) => j.state === 'interrupted' || j.state === 'cancelled')
        engine.retry(again.map((j) => j.id))
        before = await coveredInputs(opened.store, resumed.id)
        const { queued, running, retrying } = engine.stats().counts
        adopted = queued + running + retrying
        feed.adopt(adopted)
        if (!flags.quiet && !flags.json) {
          io.err.write(
            `resuming batch ${resumeBatch}: ${adopted} to run again, ${before.finished.succeeded ?? 0} already done, reading on from input ${before.covered + 1}\n`,
          )
        }
      }
      const covered = before.covered
      const specs = streamSubmission({
        skip: covered ? (index) => index < covered : undefined,
        template: batch.template,
        defaults: request.defaults,
        count: batch.count,
        inputs: inputs?.inputs,
        inputField: inputs?.field,
      })
      // A bad input stops the reading; the jobs already queued finish, then the error is reported.
      feeding = feed.run(specs).catch(async (error: unknown) => {
        await engine.whenSettled()
        return error
      })
    } else if (resumeBatch !== null) {
      const previous = engine.listJobs({ batchId: resumeBatch, limit: Number.MAX_SAFE_INTEGER }).jobs
      const states = resumeStates(controls)
      const again = previous.filter((j) => states.includes(j.state)).map((j) => j.id)
      running = again
      engine.gateBatch?.(resumeBatch, controls.gates)
      engine.retry(again)
      if (!flags.quiet && !flags.json) {
        io.err.write(
          `resuming batch ${resumeBatch}: ${again.length} to run again, ${previous.filter((j) => j.state === 'succeeded').length} already done\n`,
        )
      }
      submitted = { batchId: resumeBatch, jobIds: previous.map((j) => j.id) }
    } else {
      submitted = await engine.submit({ ...request, source: sourceKey ?? undefined })
      running = submitted.jobIds
    }
    await run.start(engine, request, running, submitted.jobIds, resumeBatch !== null)
  } catch (error) {
    await close()
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
  let total = submitted.jobIds.length
  const ticker = bar
    ? setInterval(() => {
        if (feed) {
          // A stream's total is known once its input ends; until then the bar follows what was read.
          const { submitted: fed, settled, inputEnded } = feed.progress
          const rate = settled / Math.max(0.001, (Date.now() - started) / 1000)
          bar.setTotal(Math.max(fed, 1))
          bar.update(settled, {
            failed,
            rate: rate.toFixed(1),
            etaText: inputEnded ? formatEta(((fed - settled) / Math.max(rate, 1e-9)) * 1000) : '?',
          })
          return
        }
        const view = engine.batches().find((b) => b.id === submitted.batchId)
        if (!view) return
        const done = total - view.counts.queued - view.counts.running - view.counts.retrying
        bar.update(done, { failed, rate: view.throughput.toFixed(1), etaText: formatEta(view.etaMs) })
      }, 200)
    : null
  bar?.start(Math.max(total, 1), 0, { failed: 0, rate: '0', etaText: '?' })
  const feedError = await feeding
  await engine.whenSettled(feed ? undefined : submitted.jobIds)
  if (ticker) clearInterval(ticker)
  if (feed) {
    total = before.covered + feed.progress.submitted - adopted
    submitted.batchId = feed.batchId ?? 0
  }
  bar?.update(total, { failed, rate: '-', etaText: '0s' })
  bar?.stop()
  process.off('SIGINT', onSigint)
  process.off('SIGTERM', onSigint)
  if (feedError) {
    await close()
    if (feedError instanceof ValidationError) throw new InputError(source, feedError.problems)
    throw feedError
  }

  const counts = feed
    ? sumCounts(before.finished, feed.progress.counts)
    : engine.batches().find((b) => b.id === submitted.batchId)!.counts
  const problems = await run.finish()
  for (const problem of problems) io.err.write(`corelane: ${problem}\n`)
  const summary = {
    summary: {
      batch: request.name,
      batchId: submitted.batchId,
      total,
      succeeded: counts.succeeded,
      failed: counts.failed,
      cancelled: counts.cancelled,
      timedOut: counts['timed-out'],
      wallMs: Date.now() - started,
      dataDir,
      ...run.summary(),
    },
  }
  await close()
  if (flags.json) io.out.write(`${JSON.stringify(summary)}\n`)
  else if (!flags.quiet) {
    const s = summary.summary
    io.err.write(
      `${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.cancelled} cancelled, ${s.timedOut} timed out in ${(s.wallMs / 1000).toFixed(2)} s (batch ${submitted.batchId}, data: ${dataDir})\n`,
    )
  }
  const code = run.exitCode(counts.succeeded === total, counts.failed + counts['timed-out'])
  return problems.length ? 1 : code
}

/** A batch the engine's own expansion refuses is the user's input: exit 2, naming the field. */
function rethrowAsInput(source: string) {
  return (error: unknown): never => {
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
}
