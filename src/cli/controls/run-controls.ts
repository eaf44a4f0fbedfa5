// The batch controls of one `corelane run`: what the batch file and the flags ask for (a flag
// wins over the file), and the pieces that carry it out around the engine: the halt watch,
// the joblog, the --results files and the --keep-order output. run-command.ts calls it at
// a few fixed points (before the engine opens, after submit, per settled job, at the end).
import type { BatchFile } from '../../shared/schemas.ts'
import { haltExitCode, parseHalt, type HaltRule } from '../../shared/halt.ts'
import type { JobState, JobView } from '../../shared/job.ts'
import type { Engine, LoadedState, StoredJob, SubmitRequest } from '../../main/engine/index.ts'
import { watchHalt, type HaltOutcome, type HaltWatch, type StreamedBatch } from '../../main/engine/halt-control.ts'
import type { IndexedSpec } from '../../main/engine/submission.ts'
import { InputError } from '../batch-file.ts'
import type { RunFlags } from '../args.ts'
import { expandRequest, planResumed, planSubmitted, type JobPlan, type PlannedJob } from '../../main/host/job-plan.ts'
import { JoblogWriter } from '../../main/host/joblog-writer.ts'
import { OrderedOutput } from './ordered-output.ts'
import { ResultsWriter } from '../../main/host/results-writer.ts'

export interface ResolvedControls {
  halt: HaltRule | null
  joblog: string | null
  results: string | null
  keepOrder: boolean
  dryRun: boolean
  /** --resume or --resume-failed. */
  resume: boolean
  resumeFailed: boolean
  /** The engine-side gates, as the submit request carries them. */
  gates: Pick<SubmitRequest, 'delay' | 'maxLoad' | 'memFree'>
}

/** The controls in force: flags first, then the batch file's fields. */
export function resolveControls(batch: BatchFile, flags: RunFlags, source: string): ResolvedControls {
  const haltText = flags.halt ?? batch.halt
  const halt = haltText === undefined ? null : parseHalt(haltText)
  if (halt && 'error' in halt) throw new InputError(source, [{ field: flags.halt ? '--halt' : 'halt', message: halt.error }])
  const joblog = flags.joblog ?? batch.joblog ?? null
  if (joblog === '-' && flags.json) {
    throw new InputError('arguments', [
      { field: '--joblog', message: '- (standard output) cannot be used with --json, which prints there' },
    ])
  }
  return {
    halt,
    joblog,
    results: flags.results ?? batch.results ?? null,
    keepOrder: flags['keep-order'] || batch.keepOrder === true,
    dryRun: flags['dry-run'],
    resume: flags.resume || flags['resume-failed'],
    resumeFailed: flags['resume-failed'],
    gates: Object.fromEntries(
      Object.entries({
        delay: flags.delay ?? batch.delay,
        maxLoad: flags['max-load'] ?? batch.maxLoad,
        memFree: flags['mem-free'] ?? batch.memFree,
      }).filter(([, value]) => value !== undefined),
    ),
  }
}

/** States a resume runs again: GNU parallel's --resume reruns what did not end, --resume-failed what failed too. */
export function resumeStates(controls: ResolvedControls): JobState[] {
  return controls.resumeFailed ? ['interrupted', 'cancelled', 'failed', 'timed-out'] : ['interrupted', 'cancelled']
}

export interface ControlsSummary {
  halted?: { rule: string; when: string; failed: number; succeeded: number; cancelled: number }
}

export class RunControls {
  readonly controls: ResolvedControls
  readonly output: OrderedOutput
  private joblog: JoblogWriter | null = null
  private readonly results: ResultsWriter | null
  private plan: JobPlan | null = null
  private early: JobView[] = []
  private halt: HaltWatch | null = null
  private streaming = false
  private stored = new Map<number, { kind: string; params: Record<string, unknown> }>()
  private readonly err: NodeJS.WritableStream
  private readonly quiet: boolean

  constructor(controls: ResolvedControls, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }, quiet: boolean) {
    this.controls = controls
    this.output = new OrderedOutput((text) => io.out.write(text), controls.keepOrder)
    this.results = controls.results ? new ResultsWriter(controls.results) : null
    this.err = io.err
    this.quiet = quiet
  }

  /** Opens the joblog before anything runs, so a path that cannot be written is refused up front (exit 2). */
  async prepare(out: NodeJS.WritableStream): Promise<void> {
    if (!this.controls.joblog) return
    try {
      this.joblog = await JoblogWriter.open(this.controls.joblog, this.controls.resume, out)
    } catch (error) {
      throw new InputError('arguments', [
        { field: '--joblog', message: `cannot write ${this.controls.joblog}: ${(error as Error).message}` },
      ])
    }
  }

  /** The stored params of the batch being resumed (what runs again), for the joblog's commands. */
  rememberStored(state: LoadedState, batchId: number): void {
    for (const row of state.jobs) if (row.batchId === batchId) this.stored.set(row.id, { kind: row.kind, params: row.params })
  }

  /**
   * After submit (or the resume's retry): `ids` are the jobs this run runs, in input order.
   * `allIds` are every job of the batch (a resume's numbering counts the ones already done).
   */
  async start(
    engine: Engine,
    request: SubmitRequest,
    ids: readonly number[],
    allIds: readonly number[],
    resumed: boolean,
  ): Promise<void> {
    if (this.controls.halt) {
      const rule = this.controls.halt
      this.halt = watchHalt(engine, ids, rule, (outcome) => this.haltSaid(outcome))
    }
    this.output.expect(ids)
    if (this.joblog || this.results) {
      const fromFile: PlannedJob[] | null = await expandRequest(request).catch(() => null)
      this.plan = resumed ? planResumed(allIds, this.stored, fromFile) : planSubmitted(fromFile ?? [], allIds)
      for (const job of this.early) this.record(job)
      this.early = []
    }
  }

  /**
   * A streamed run (every template batch): the halt watches the batch by id with its known or
   * growing total, and the plan (joblog, results) and keep-order's order grow job by job as
   * the engine reads them (`queued`), each planned job dropped once recorded, so nothing here
   * grows with the stream. `again` are a resumed run's jobs that run again (lowest inputs first).
   */
  startStream(engine: Engine, batch: StreamedBatch, again: readonly StoredJob[]): void {
    this.streaming = true
    if (this.controls.halt) this.halt = watchHalt(engine, batch, this.controls.halt, (outcome) => this.haltSaid(outcome))
    const sorted = [...again].sort((a, b) => (a.inputIndex ?? a.id) - (b.inputIndex ?? b.id))
    this.output.expect(sorted.map((job) => job.id))
    if (!this.joblog && !this.results) return
    this.plan = new Map()
    for (const job of sorted) {
      const planned: PlannedJob = { seq: (job.inputIndex ?? -1) + 1 || job.id, kind: job.kind, params: job.params }
      if (job.name !== null) planned.name = job.name
      this.plan.set(job.id, planned)
    }
    for (const job of this.early) this.record(job)
    this.early = []
  }

  /** A job of a streamed run was made from input `index`: it is numbered, and its place in the order kept. */
  queued(jobId: number, item: IndexedSpec): void {
    if (this.controls.keepOrder) this.output.follow(jobId)
    if (!this.plan) return
    const { spec, index, input } = item
    const planned: PlannedJob = { seq: index + 1, kind: spec.kind, params: spec.params }
    if (spec.name !== undefined) planned.name = spec.name
    if ('input' in item) planned.input = { value: input }
    this.plan.set(jobId, planned)
  }

  private haltSaid(outcome: HaltOutcome): void {
    const rule = outcome.rule
    if (this.quiet) return
    const waiting = rule.when === 'now' ? 'cancelling the running jobs' : 'starting no more, waiting for the running ones'
    this.err.write(
      `corelane: halt ${rule.text} reached (${outcome.tally.failed} failed, ${outcome.tally.succeeded} succeeded): ${waiting}\n`,
    )
  }

  settled(job: JobView): void {
    if (!this.joblog && !this.results) return
    if (!this.plan) this.early.push(job)
    else this.record(job)
  }

  private record(job: JobView): void {
    const planned = this.plan!.get(job.id)
    if (!planned) return
    // A stream's plan holds only jobs not yet recorded (a retried job is not recorded twice).
    if (this.streaming) this.plan!.delete(job.id)
    this.joblog?.add(job, planned)
    // A job cancelled before it started has no output to keep (GNU parallel never ran it).
    if (this.results && !(job.state === 'cancelled' && job.startedAt === null)) this.results.add(job, planned)
  }

  /** Waits for the files, prints the held lines; returns problems writing them. */
  async finish(): Promise<string[]> {
    this.halt?.stop()
    this.output.flush()
    await this.joblog?.done()
    await this.results?.done()
    return [
      ...(this.joblog?.errors ?? []).map((e) => `--joblog: ${e}`),
      ...(this.results?.errors ?? []).map((e) => `--results: ${e}`),
    ]
  }

  summary(): ControlsSummary {
    const outcome = this.halt?.outcome
    if (!outcome) return {}
    const { rule, tally, cancelled } = outcome
    return { halted: { rule: rule.text, when: rule.when, failed: tally.failed, succeeded: tally.succeeded, cancelled } }
  }

  /** The run's exit code: a halt decides it as GNU parallel's would, within 0 and 1; otherwise 0 only if every job succeeded. */
  exitCode(allSucceeded: boolean, failedOrTimedOut: number): 0 | 1 {
    const outcome = this.halt?.outcome
    if (outcome) return haltExitCode(outcome.rule, { failed: failedOrTimedOut })
    return allSucceeded ? 0 : 1
  }
}
