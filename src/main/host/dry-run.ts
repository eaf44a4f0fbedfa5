// GNU parallel's --dry-run for the window: the submit expanded to its jobs exactly as the
// engine would expand them, each shown as what would run (a shell job's command line, the
// joblog's Command), and nothing queued. `corelane run --dry-run` prints the same lines.
import { commandLine } from '../../shared/command-line.ts'
import { DRY_RUN_LIST_MAX, type CommandInput, type DryRunResult } from '../../shared/contract.ts'
import { expandRequest, plannedStream, type PlannedJob } from './job-plan.ts'
import { isStreamed, streamedSpecs } from './submit-stream.ts'

export async function dryRun(input: CommandInput<'dryRun'>): Promise<DryRunResult> {
  // The controls change how jobs run, not which: halt, results and the gates play no part.
  const { halt: _halt, results: _results, delay: _delay, maxLoad: _maxLoad, memFree: _memFree, range, ...request } = input
  // What a submit would stream is read only as far as the list shows; its total is its length.
  let planned: PlannedJob[]
  let total: number
  if (isStreamed(request, range)) {
    const streamed = streamedSpecs(request, range)
    total = streamed.length
    planned = []
    for await (const job of plannedStream(streamed.specs)) if (planned.push(job) === DRY_RUN_LIST_MAX) break
  } else {
    planned = await expandRequest(request)
    total = planned.length
  }
  return {
    total,
    jobs: planned
      .slice(0, DRY_RUN_LIST_MAX)
      .map((job) => ({ seq: job.seq, name: job.name ?? null, kind: job.kind, command: commandLine(job) })),
  }
}
