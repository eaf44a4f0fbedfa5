// The files the host writes for a batch as its jobs end: GNU parallel's --results tree
// (results-writer.ts; from the window's Results folder or a batch file's `results`) and its
// joblog (joblog-writer.ts; only from a batch file the desktop app opened, a field no transport
// carries). Both are opened before anything is queued, so a folder or file that cannot be made
// is an answer naming its field, not a batch that runs without them.
import { mkdir } from 'node:fs/promises'
import type { JobView } from '../../shared/job.ts'
import { ValidationError } from '../../shared/validate.ts'
import type { PlannedJob } from './job-plan.ts'
import { JoblogWriter } from './joblog-writer.ts'
import { ResultsWriter } from './results-writer.ts'

interface JobFileWriter {
  add(job: JobView, planned: PlannedJob): void
  done(): Promise<void>
  readonly errors: string[]
}

export class JobFiles {
  private readonly writers: { field: string; writer: JobFileWriter }[]

  private constructor(writers: { field: string; writer: JobFileWriter }[]) {
    this.writers = writers
  }

  /** Null when neither is asked for. `joblog` is replaced, as GNU parallel does without --resume. */
  static async open(paths: { results?: string; joblog?: string }): Promise<JobFiles | null> {
    const writers: { field: string; writer: JobFileWriter }[] = []
    if (paths.results !== undefined) {
      await made('results', `cannot create the folder ${paths.results} on the machine running the engine`, () =>
        mkdir(paths.results!, { recursive: true }),
      )
      writers.push({ field: 'results', writer: new ResultsWriter(paths.results) })
    }
    if (paths.joblog !== undefined) {
      const path = paths.joblog
      const joblog = await made('joblog', `cannot write ${path}`, () => JoblogWriter.open(path, false))
      writers.push({ field: 'joblog', writer: joblog })
    }
    return writers.length ? new JobFiles(writers) : null
  }

  /** A job that has ended; one cancelled before it started has nothing to write (GNU parallel never ran it). */
  add(job: JobView, planned: PlannedJob): void {
    if (job.state === 'cancelled' && job.startedAt === null) return
    for (const { writer } of this.writers) writer.add(job, planned)
  }

  /** Writes what is pending and closes the files; the problems met writing them, each with its field. */
  async done(): Promise<string[]> {
    await Promise.all(this.writers.map(({ writer }) => writer.done()))
    return this.writers.flatMap(({ field, writer }) => writer.errors.map((error) => `${field}: ${error}`))
  }
}

async function made<T>(field: string, what: string, make: () => Promise<T>): Promise<T> {
  try {
    return await make()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new ValidationError([{ field, message: `${what} (${code})` }])
  }
}
