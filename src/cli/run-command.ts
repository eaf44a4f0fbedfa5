// `corelane run <batch.json | ->`: runs a batch headless. A progress bar with ETA on a
// terminal; with --json, one JSON line per finished job and a summary line. Exit code 0 when
// every job succeeded, 1 when any did not, 2 on invalid input.
import { SingleBar } from 'cli-progress'
import { resolve } from 'node:path'
import { isTerminal, type JobView } from '../shared/job.ts'
import { ValidationError } from '../shared/validate.ts'
import type { LoadedState } from '../main/engine/index.ts'
import { openPersistentEngine, type PersistentEngine } from '../main/host/persistent-engine.ts'
import { InputError, loadBatchFile, toSubmitRequest } from './batch-file.ts'
import { defaultDataDir } from './data-dir.ts'
import { dataDirError } from './data-dir-errors.ts'
import type { RunFlags } from './args.ts'
import { printDryRun } from './controls/dry-run.ts'
import { expandRequest } from './controls/job-plan.ts'
import { resolveControls, resumeStates, RunControls } from './controls/run-controls.ts'

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

function formatEta(ms: number | null): string {
  if (ms === null) return '?'
  const s = Math.round(ms / 1000)
  return s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`
}

export async function runCommand(file: string | undefined, flags: RunFlags, io: RunOutput): Promise<number> {
  if (!file) throw new InputError('arguments', [{ field: '<batch.json | ->', message: 'is required' }])
  const { batch, source, baseDir } = await loadBatchFile(file)
  const request = await toSubmitRequest(batch, source, baseDir)
  if (flags.executor) request.defaults = { ...request.defaults, executor: flags.executor }
  const controls = resolveControls(batch, flags, source)
  Object.assign(request, controls.gates)
  if (controls.dryRun) return printDryRun(await expandRequest(request).catch(rethrowAsInput(source)), flags.json, io.out)
  const run = new RunControls(controls, io, flags.quiet)
  await run.prepare(io.out)

  const dataDir = flags['data-dir'] ?? defaultDataDir()
  const sourceKey = file === '-' ? null : resolve(file)
  // --resume: the most recent batch from the same file comes back; its unfinished jobs run again.
  let resumeBatch: number | null = null
  const pickResume = (state: LoadedState): number[] | 'none' => {
    if (!controls.resume || !sourceKey) return 'none'
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
      cpuSlots: flags['cpu-slots'],
      ioConcurrency: flags['io-concurrency'],
      pinning: flags.pin,
      restore: pickResume,
      moveAsideCorrupt: flags['reset-db'],
    })
  } catch (error) {
    dataDirError(error, '--reset-db')
  }
  const { engine } = opened
  if (opened.store.movedAside && !flags.quiet) io.err.write(`corelane: the old database was kept as ${opened.store.movedAside}\n`)
  const started = Date.now()
  const showBar = !flags.quiet && io.err.isTTY === true
  const bar = showBar
    ? new SingleBar(
        { format: ' {bar} {percentage}% | {value}/{total} jobs | {failed} failed | {rate}/s | ETA {etaText}', hideCursor: true, stream: io.err },
        { format: '', barCompleteChar: '█', barIncompleteChar: '░' },
      )
    : null
  let failed = 0
  engine.onJobSettled((job) => {
    if (job.state !== 'succeeded') failed++
    run.settled(job)
    if (flags.json) run.output.put(job.id, `${JSON.stringify(jobLine(job))}\n`)
    else if (!showBar && !flags.quiet && job.state !== 'succeeded') {
      io.err.write(`${job.name}: ${job.state}: ${job.error?.message ?? ''}\n`)
    }
  })

  let interrupted = false
  const onSigint = () => {
    if (interrupted) process.exit(130)
    interrupted = true
    io.err.write('\ncancelling… (Ctrl-C again to quit now)\n')
    engine.cancel(engine.listJobs({ limit: Number.MAX_SAFE_INTEGER }).jobs.filter((j) => !isTerminal(j.state)).map((j) => j.id))
  }
  process.on('SIGINT', onSigint)

  let submitted: { batchId: number; jobIds: number[] }
  let running: number[]
  try {
    if (resumeBatch !== null) {
      const previous = engine.listJobs({ batchId: resumeBatch, limit: Number.MAX_SAFE_INTEGER }).jobs
      const states = resumeStates(controls)
      const again = previous.filter((j) => states.includes(j.state)).map((j) => j.id)
      running = again
      engine.gateBatch?.(resumeBatch, controls.gates)
      engine.retry(again)
      if (!flags.quiet && !flags.json) {
        io.err.write(`resuming batch ${resumeBatch}: ${again.length} to run again, ${previous.filter((j) => j.state === 'succeeded').length} already done\n`)
      }
      submitted = { batchId: resumeBatch, jobIds: previous.map((j) => j.id) }
    } else {
      submitted = await engine.submit({ ...request, source: sourceKey ?? undefined })
      running = submitted.jobIds
    }
    await run.start(engine, request, running, submitted.jobIds, resumeBatch !== null)
  } catch (error) {
    await opened.close()
    process.off('SIGINT', onSigint)
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
  const total = submitted.jobIds.length
  const ticker = bar
    ? setInterval(() => {
        const view = engine.batches().find((b) => b.id === submitted.batchId)
        if (!view) return
        const done = total - view.counts.queued - view.counts.running - view.counts.retrying
        bar.update(done, { failed, rate: view.throughput.toFixed(1), etaText: formatEta(view.etaMs) })
      }, 200)
    : null
  bar?.start(total, 0, { failed: 0, rate: '0', etaText: '?' })
  await engine.whenSettled(submitted.jobIds)
  if (ticker) clearInterval(ticker)
  bar?.update(total, { failed, rate: '-', etaText: '0s' })
  bar?.stop()
  process.off('SIGINT', onSigint)

  const counts = engine.batches().find((b) => b.id === submitted.batchId)!.counts
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
  await opened.close()
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
