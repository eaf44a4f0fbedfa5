// What a job kind sees while it runs inside a worker (thread or process).
import type { ExecutorType } from '../../../shared/job.ts'

/** Which of a program's output streams some output came from. */
export type LogStream = 'stdout' | 'stderr'

export interface JobContext {
  readonly jobId: number
  readonly attempt: number
  readonly executor: ExecutorType
  /** Aborted when the job is cancelled or times out: stop soon and throw (or return). */
  readonly signal: AbortSignal
  /**
   * The cheap form of `signal` for kinds run by the hundred thousand: calls `listener` once
   * with the reason when the job is stopped (at once if it already was). One listener at a
   * time: a new one replaces the last, and it is dropped when the job ends. Returns a function
   * that removes it sooner. Unlike `signal`, it allocates no AbortController or event listener.
   */
  onAbort(listener: (reason: Error) => void): () => void
  /** Folder for this job's large outputs; created on first use by `outputPath`. */
  outputPath(fileName: string): Promise<string>
  /** Reports progress in [0, 1] with an optional short note. Cheap: the runtime throttles it. */
  progress(fraction: number, note?: string): void
  /** Appends one line to the job's log file (a warning or error: `stream` 'stderr'). */
  log(line: string, stream?: LogStream): void
  /**
   * Appends output as it arrives (a child's stdout or stderr, a script's process.stdout):
   * the log keeps the order of these calls and which stream each came from.
   */
  logOutput(stream: LogStream, chunk: string | Uint8Array): void
  /** Creates (once) the job's log file, so that it exists even if nothing is written; returns its path. */
  logFile(): Promise<{ path: string }>
  /**
   * A child process was started leading a process group of its own (its pid is the group's
   * id): the engine then ends that group if the worker or the engine ends first, whatever ends
   * them. `commandEnded` once it has exited. Optional: contexts outside a worker have no engine.
   */
  commandStarted?(pid: number): void
  commandEnded?(pid: number): void
  /**
   * The value of CORELANE_JOB_TAG for the processes this job starts: the engine finds them by
   * it (tagged-processes.ts) when the job is stopped or its worker lost. Optional: contexts
   * outside a worker have no engine.
   */
  readonly tag?: string
}

/** A kind's implementation: params are already validated against the kind's schema. */
export type KindRunner<P = Record<string, unknown>> = (params: P, ctx: JobContext) => Promise<unknown>

/** Throws the reason the job was stopped, if it was. Long loops call this every few milliseconds. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

/** `onAbort` built on an AbortSignal, for contexts that already have one (tests, adapters). */
export function onAbortVia(signal: AbortSignal): JobContext['onAbort'] {
  return (listener) => {
    const reason = () => (signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    if (signal.aborted) {
      listener(reason())
      return () => undefined
    }
    const handler = () => listener(reason())
    signal.addEventListener('abort', handler, { once: true })
    return () => signal.removeEventListener('abort', handler)
  }
}
