// --joblog FILE: one line per job as it ends, in GNU parallel's format (src/shared/export.ts).
// Like GNU parallel: the file is replaced with a new header, except under --resume and
// --resume-failed where an existing joblog is appended to; `-` writes to standard output; and
// jobs it cancelled (a halt, Ctrl-C) are not logged, so a later resume runs them again. Used by
// `corelane run` and by the host for a batch file the desktop app opens (submit-controls.ts).
import { open, stat, type FileHandle } from 'node:fs/promises'
import { commandLine } from '../../shared/command-line.ts'
import { stdoutBytes } from '../engine/log-streams.ts'
import { JOBLOG_HEADER, joblogLine } from '../../shared/export.ts'
import type { JobView } from '../../shared/job.ts'
import type { PlannedJob } from './job-plan.ts'

export class JoblogWriter {
  private readonly sink: { write(text: string): Promise<unknown> }
  private readonly handle: FileHandle | null
  private tail: Promise<void> = Promise.resolve()
  readonly errors: string[] = []
  readonly path: string

  private constructor(path: string, sink: { write(text: string): Promise<unknown> }, handle: FileHandle | null) {
    this.path = path
    this.sink = sink
    this.handle = handle
  }

  /** `-` writes to `stdout`, which the host has none of (a batch file the desktop app opens refuses it first). */
  static async open(path: string, append: boolean, stdout?: NodeJS.WritableStream): Promise<JoblogWriter> {
    if (path === '-') {
      if (!stdout) throw new Error('- (standard output): there is none here')
      const sink = { write: (text: string) => new Promise<void>((done) => stdout.write(text, () => done())) }
      await sink.write(JOBLOG_HEADER)
      return new JoblogWriter(path, sink, null)
    }
    const existing = append ? await stat(path).catch(() => null) : null
    const handle = await open(path, existing ? 'a' : 'w')
    const writer = new JoblogWriter(path, { write: (text) => handle.write(text) }, handle)
    if (!existing) await writer.sink.write(JOBLOG_HEADER)
    return writer
  }

  add(job: JobView, planned: PlannedJob): void {
    if (job.state === 'cancelled') return
    this.tail = this.tail
      .then(async () => {
        // Receive: the bytes of stdout, as GNU parallel counts what it read from the job.
        const receive = job.logFile ? await stdoutBytes(job.logFile) : 0
        const line = joblogLine({ ...job, seq: planned.seq, receive, command: commandLine(planned) })
        if (line) await this.sink.write(line)
      })
      .catch((error: unknown) => {
        if (this.errors.length < 5) this.errors.push(`${this.path}: ${(error as Error).message}`)
      })
  }

  /** Writes what is pending and closes the file. */
  async done(): Promise<void> {
    await this.tail
    await this.handle?.close()
  }
}
