// --dry-run: the batch expanded to its jobs and printed, nothing run (no engine, no data
// folder, no joblog, as GNU parallel's --dry-run). A shell job prints its command line as GNU
// parallel would; with --json each job is a JSON line with its kind, params and that line.
import { commandLine } from '../../shared/command-line.ts'
import type { PlannedJob } from '../../main/host/job-plan.ts'

/** Prints the jobs as they come (a streamed template's, read as it goes), waiting for `out` when it is full. */
export async function printDryRun(
  jobs: Iterable<PlannedJob> | AsyncIterable<PlannedJob>,
  json: boolean,
  out: NodeJS.WritableStream,
): Promise<number> {
  for await (const job of jobs) {
    if ((out as { writableNeedDrain?: boolean }).writableNeedDrain) await new Promise((done) => out.once('drain', done))
    const command = commandLine(job)
    if (!json) out.write(`${command}\n`)
    else {
      const line: Record<string, unknown> = { seq: job.seq, name: job.name ?? null, kind: job.kind, params: job.params, command }
      if (job.input) line.input = job.input.value
      out.write(`${JSON.stringify(line)}\n`)
    }
  }
  return 0
}
