// A submit from the window (IPC or WebSocket) with its batch controls: the engine queues the
// jobs, and the controls that live above it are attached to the new batch: halt, and results
// (GNU parallel's --results: each job's stdout, stderr, seq and result written under a folder
// of this machine as it ends, in the layout `corelane run --results` writes, results-writer.ts).
// A template over a `range`, or a `count` of more than one stream window, is not expanded: the
// engine pulls it (submit-stream.ts), as `corelane run` runs it.
import { mkdir } from 'node:fs/promises'
import type { CommandInput, SubmitResult } from '../../shared/contract.ts'
import { parseHalt } from '../../shared/halt.ts'
import { isTerminal, type JobView } from '../../shared/job.ts'
import { ValidationError } from '../../shared/validate.ts'
import { watchHalt } from '../engine/halt-control.ts'
import type { Engine } from '../engine/index.ts'
import { expandRequest, planSubmitted, type JobPlan } from './job-plan.ts'
import { ResultsWriter } from './results-writer.ts'
import { isStreamed, streamedSpecs, submitStreamed } from './submit-stream.ts'

export async function submitWithControls(engine: Engine, input: CommandInput<'submit'>): Promise<SubmitResult> {
  const { halt, results, range, ...request } = input
  // Checked before anything is queued, so a folder that cannot be made is an answer, not a lost batch.
  if (results !== undefined) await makeResultsDir(results)
  const rule = halt === undefined ? null : parseHalt(halt)
  if (isStreamed(request, range)) {
    const writer = results === undefined ? null : new ResultsWriter(results)
    const streamed = await submitStreamed(
      engine,
      request,
      streamedSpecs(request, range),
      rule && !('error' in rule) ? rule : null,
      writer,
    )
    return streamed.result
  }
  const planned = results === undefined ? null : await expandRequest(request)
  const result = await engine.submit(request)
  // The schema has refused rules parseHalt cannot read, so an error here cannot happen.
  if (rule && !('error' in rule)) {
    const watch = watchHalt(engine, result.jobIds, rule)
    void engine.whenSettled(result.jobIds).then(() => watch.stop())
  }
  if (results !== undefined && planned) writeResults(engine, new ResultsWriter(results), planSubmitted(planned, result.jobIds))
  return result
}

async function makeResultsDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new ValidationError([
      { field: 'results', message: `cannot create the folder ${dir} on the machine running the engine (${code})` },
    ])
  }
}

/** Writes each job's files as it ends; once the batch has settled, any it ended before the feed saw it. */
function writeResults(engine: Engine, writer: ResultsWriter, plan: JobPlan): void {
  const written = new Set<number>()
  const add = (job: JobView) => {
    const planned = plan.get(job.id)
    // As the CLI: a job cancelled before it started (a halt, a cancel) has no output to write.
    if (!planned || written.has(job.id) || !isTerminal(job.state) || (job.state === 'cancelled' && job.startedAt === null)) return
    written.add(job.id)
    writer.add(job, planned)
  }
  const stop = engine.subscribe((changes) => changes.jobs.forEach(add))
  void engine
    .whenSettled([...plan.keys()])
    .then(() => {
      stop()
      for (const id of plan.keys()) {
        const job = engine.getJob(id)
        if (job) add(job)
      }
      return writer.done()
    })
    .then(() => {
      for (const error of writer.errors) console.error(`corelane: --results: ${error}`)
    })
}
