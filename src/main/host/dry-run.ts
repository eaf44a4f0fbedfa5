// GNU parallel's --dry-run for the window: the submit expanded to its jobs exactly as the
// engine would expand them, each shown as what would run (a shell job's command line, the
// joblog's Command), and nothing queued. `corelane run --dry-run` prints the same lines; the
// desktop app shows them for `corelane-desktop --dry-run batch.json` (dryRunLines for a file of
// lines, read to its end to count it, the first DRY_RUN_LIST_MAX kept).
import { commandLine } from '../../shared/command-line.ts'
import { DRY_RUN_LIST_MAX, type CommandInput, type DryRunResult } from '../../shared/contract.ts'
import { expandRequest, plannedStream, type PlannedJob } from './job-plan.ts'
import type { LineInputs } from './line-inputs.ts'
import { isStreamed, lineSpecs, streamedSpecs } from './submit-stream.ts'

export async function dryRun(input: CommandInput<'dryRun'>): Promise<DryRunResult> {
  // The controls change how jobs run, not which: halt, results and the gates play no part.
  const { halt: _halt, results: _results, delay: _delay, maxLoad: _maxLoad, memFree: _memFree, range, ...request } = input
  // What a submit would stream is read only as far as the list shows; its total is its length.
  if (isStreamed(request, range)) {
    const streamed = streamedSpecs(request, range)
    const planned: PlannedJob[] = []
    for await (const job of plannedStream(streamed.specs)) if (planned.push(job) === DRY_RUN_LIST_MAX) break
    return listed(planned, streamed.length)
  }
  const planned = await expandRequest(request)
  return listed(planned, planned.length)
}

/** A template over a file of lines the host opened: every line checked and counted, the first ones listed. */
export async function dryRunLines(
  request: Pick<CommandInput<'dryRun'>, 'template' | 'defaults'>,
  lines: LineInputs,
): Promise<DryRunResult> {
  const planned: PlannedJob[] = []
  let total = 0
  for await (const job of plannedStream(lineSpecs(request, lines).specs)) if (++total <= DRY_RUN_LIST_MAX) planned.push(job)
  return listed(planned, total)
}

function listed(planned: PlannedJob[], total: number): DryRunResult {
  return {
    total,
    jobs: planned
      .slice(0, DRY_RUN_LIST_MAX)
      .map((job) => ({ seq: job.seq, name: job.name ?? null, kind: job.kind, command: commandLine(job) })),
  }
}
