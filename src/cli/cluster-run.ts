// `corelane run <batch> --redis <url>` (or CORELANE_REDIS_URL): the batch runs on the
// cluster's agents. Same output as a local run (a progress bar, or --json lines with the
// `agent` that ran each job, then the summary; exit 0 / 1 / 2), driven by the ClusterDriver
// until the engine's pool takes remote executors. Logs shipped back by agents land in
// <data-dir>/logs, and every job is recorded in the data folder's job database (queued, then
// its one terminal state), so `corelane history` lists it.
import { SingleBar } from 'cli-progress'
import { basename, join, resolve } from 'node:path'
import { ValidationError } from '../shared/validate.ts'
import { openClusterHistory, type ClusterHistory } from '../main/cluster/cluster-history.ts'
import { openController } from '../main/cluster/controller.ts'
import { validateSubmission } from '../main/engine/submission.ts'
import { InputError, loadBatchFile, toSubmitRequest } from './batch-file.ts'
import { defaultDataDir } from './data-dir.ts'
import { dataDirError } from './data-dir-errors.ts'
import { jobLine, type RunOutput } from './run-command.ts'
import type { RunFlags } from './args.ts'

export async function clusterRunCommand(
  file: string | undefined,
  flags: RunFlags & { redis: string },
  io: RunOutput,
): Promise<number> {
  if (!file) throw new InputError('arguments', [{ field: '<batch.json | ->', message: 'is required' }])
  for (const flag of ['resume', 'pin'] as const) {
    if (flags[flag]) throw new InputError('arguments', [{ field: `--${flag}`, message: 'not available with --redis yet' }])
  }
  const { batch, source, baseDir } = await loadBatchFile(file)
  const request = await toSubmitRequest(batch, source, baseDir)
  if (flags.executor) request.defaults = { ...request.defaults, executor: flags.executor }
  let specs
  try {
    specs = await validateSubmission(request)
  } catch (error) {
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
  const dataDir = flags['data-dir'] ?? defaultDataDir()
  let history: ClusterHistory
  try {
    history = await openClusterHistory({
      dataDir,
      moveAsideCorrupt: flags['reset-db'],
      batchName: request.name ?? (file === '-' ? 'standard input' : basename(file)),
      source: file === '-' ? null : resolve(file),
    })
  } catch (error) {
    dataDirError(error, '--reset-db')
  }
  let controller
  try {
    controller = await openController({
      redisUrl: flags.redis,
      logDir: join(dataDir, 'logs'),
      firstId: history.firstJobId,
      batchId: history.batchId,
    })
  } catch (error) {
    await history.close()
    throw error
  }
  const { driver } = controller
  const started = Date.now()
  const showBar = !flags.quiet && io.err.isTTY === true
  const bar = showBar
    ? new SingleBar({
        format: ' {bar} {percentage}% | {value}/{total} jobs | {failed} failed | {agents} agents',
        hideCursor: true,
        stream: io.err,
      })
    : null
  let failed = 0
  let done = 0
  driver.onJobSettled((job) => {
    history.record(job)
    done++
    if (job.state !== 'succeeded') failed++
    if (flags.json) io.out.write(`${JSON.stringify({ ...jobLine(job), agent: job.agent })}\n`)
    else if (!showBar && !flags.quiet && job.state !== 'succeeded')
      io.err.write(`${job.name}: ${job.state}: ${job.error?.message ?? ''}\n`)
  })
  let interrupted = false
  const onSigint = () => {
    if (interrupted) process.exit(130)
    interrupted = true
    io.err.write('\ncancelling… (Ctrl-C again to quit now)\n')
    driver.cancel(driver.listJobs().map((j) => j.id))
  }
  process.on('SIGINT', onSigint)
  const ids = await driver.submit(specs)
  ids.forEach((id, i) => history.record(driver.getJob(id)!, specs[i]!.params, specs[i]!.memoryMb))
  if (!flags.quiet && !flags.json && controller.directory.capacity() === 0)
    io.err.write('corelane: no agent is connected yet; the jobs wait in the queue\n')
  bar?.start(ids.length, 0, { failed: 0, agents: controller.directory.machines().length })
  const ticker = bar ? setInterval(() => bar.update(done, { failed, agents: controller.directory.machines().length }), 200) : null
  await driver.whenSettled(ids)
  if (ticker) clearInterval(ticker)
  bar?.update(done, { failed })
  bar?.stop()
  process.off('SIGINT', onSigint)
  const jobs = driver.listJobs()
  const count = (state: string) => jobs.filter((j) => j.state === state).length
  const summary = {
    batch: request.name,
    batchId: history.batchId,
    total: ids.length,
    succeeded: count('succeeded'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    timedOut: count('timed-out'),
    wallMs: Date.now() - started,
    dataDir,
    agents: [...new Set(jobs.map((j) => j.agent).filter((a) => a !== null))].sort(),
  }
  await controller.close()
  await history.close()
  if (flags.json) io.out.write(`${JSON.stringify({ summary })}\n`)
  else if (!flags.quiet) {
    io.err.write(
      `${summary.succeeded}/${summary.total} succeeded, ${summary.failed} failed, ${summary.cancelled} cancelled, ${summary.timedOut} timed out in ${(summary.wallMs / 1000).toFixed(2)} s on ${summary.agents.length} agent(s)\n`,
    )
  }
  return summary.succeeded === ids.length ? 0 : 1
}
