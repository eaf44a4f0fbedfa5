// A submit with its batch controls, from the window (IPC or WebSocket) or from a batch file the
// desktop app opened: the engine queues the jobs and applies the gates (delay, max-load,
// mem-free), and the controls that live above it are attached to the new batch: halt, results
// (GNU parallel's --results: each job's stdout, stderr, seq and result written under a folder
// of this machine as it ends, in the layout `corelane run --results` writes, results-writer.ts)
// and, from a batch file only, the joblog (job-files.ts). A template over a `range`, or a
// `count` of more than one stream window, is not expanded: the engine pulls it
// (submit-stream.ts), as `corelane run` runs it.
import type { CommandInput, SubmitResult } from '../../shared/contract.ts'
import { parseHalt, type HaltRule } from '../../shared/halt.ts'
import { isTerminal, type JobView } from '../../shared/job.ts'
import { watchHalt } from '../engine/halt-control.ts'
import type { Engine } from '../engine/index.ts'
import { JobFiles } from './job-files.ts'
import { expandRequest, planSubmitted, type JobPlan } from './job-plan.ts'
import { isStreamed, streamedSpecs, submitStreamed, type StreamedSpecs, type StreamedSubmit } from './submit-stream.ts'

type StreamRequest = Parameters<typeof submitStreamed>[1]

/** Controls only the host itself sets (no transport carries them): a batch file's `joblog`, an absolute path. */
export interface HostControls {
  joblog?: string
}

/** The halt rule to watch; the schema has refused rules parseHalt cannot read, so an error here cannot happen. */
function haltRule(halt: CommandInput<'submit'>['halt']): HaltRule | null {
  const rule = halt === undefined ? null : parseHalt(halt)
  return rule && !('error' in rule) ? rule : null
}

/** A streamed submit (a range, a long count, a batch file's lines) with its halt and files. */
export async function streamWithControls(
  engine: Engine,
  request: StreamRequest,
  source: StreamedSpecs,
  controls: Pick<CommandInput<'submit'>, 'halt' | 'results'>,
  host: HostControls = {},
): Promise<StreamedSubmit> {
  const { results, halt } = controls
  // Made before anything is queued, so a folder that cannot be made is an answer, not a lost batch.
  const files = results !== undefined || host.joblog !== undefined ? await JobFiles.open({ results, joblog: host.joblog }) : null
  return submitStreamed(engine, request, source, haltRule(halt), files).catch(async (error: unknown) => {
    await files?.done()
    throw error
  })
}

export async function submitWithControls(
  engine: Engine,
  input: CommandInput<'submit'>,
  host: HostControls = {},
): Promise<SubmitResult> {
  const { halt, results, range, ...request } = input
  if (isStreamed(request, range)) {
    const streamed = await streamWithControls(engine, request, streamedSpecs(request, range), { halt, results }, host)
    return streamed.result
  }
  const rule = haltRule(halt)
  const wantsFiles = results !== undefined || host.joblog !== undefined
  // Expanded (and so checked) first: a refused batch leaves no joblog behind.
  const planned = wantsFiles ? await expandRequest(request) : null
  const files = wantsFiles ? await JobFiles.open({ results, joblog: host.joblog }) : null
  const result = await engine.submit(request).catch(async (error: unknown) => {
    await files?.done()
    throw error
  })
  if (rule) {
    const watch = watchHalt(engine, result.jobIds, rule)
    void engine.whenSettled(result.jobIds).then(() => watch.stop())
  }
  if (files && planned) writeFiles(engine, files, planSubmitted(planned, result.jobIds))
  return result
}

/** Writes each job's files as it ends; once the batch has settled, any it ended before the feed saw it. */
function writeFiles(engine: Engine, files: JobFiles, plan: JobPlan): void {
  const written = new Set<number>()
  const add = (job: JobView) => {
    const planned = plan.get(job.id)
    if (!planned || written.has(job.id) || !isTerminal(job.state)) return
    written.add(job.id)
    files.add(job, planned)
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
      return files.done()
    })
    .then((errors) => {
      for (const error of errors) console.error(`corelane: ${error}`)
    })
}
