// Job history as CSV or JSON, the same from the UI and the CLI.
import type { JobView } from './job.ts'

export const CSV_COLUMNS = [
  'id',
  'batchId',
  'name',
  'kind',
  'state',
  'lane',
  'executor',
  'attempts',
  'createdAt',
  'startedAt',
  'endedAt',
  'durationMs',
  'errorCode',
  'error',
  'result',
  'logFile',
] as const

function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString()
}

/** RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled. */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  // A leading =, +, - or @ would make spreadsheets evaluate the cell as a formula.
  const safe = /^[=+\-@]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function jobsToCsv(jobs: JobView[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const job of jobs) {
    const duration = job.startedAt !== null && job.endedAt !== null ? job.endedAt - job.startedAt : null
    lines.push(
      [
        job.id,
        job.batchId,
        job.name,
        job.kind,
        job.state,
        job.lane,
        job.executor,
        job.attempts,
        iso(job.createdAt),
        iso(job.startedAt),
        iso(job.endedAt),
        duration,
        job.error?.code ?? '',
        job.error?.message ?? '',
        job.result === undefined ? '' : job.result,
        job.logFile ?? '',
      ]
        .map(csvField)
        .join(','),
    )
  }
  return `${lines.join('\r\n')}\r\n`
}

export function jobsToJson(jobs: JobView[]): string {
  return `${JSON.stringify(jobs, null, 2)}\n`
}

// ---- GNU parallel's joblog ---------------------------------------------------------------
// The format of `parallel --joblog FILE`, byte for byte (see README, Batch controls): a
// tab-separated header, then one line per job as it ends. Starttime is Unix seconds with 3
// decimals (`%.3f`), JobRuntime seconds truncated to the millisecond and right-aligned in 10
// characters (`%10.3f`), Host `:` for this machine, Send 0 (nothing is transferred), Receive
// the bytes of output, Exitval and Signal as a shell job ended, and Command with newlines
// written as NUL so that one job stays one line.

export const JOBLOG_HEADER = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n'

/** Linux's signals in number order, from 1 (GNU parallel writes the number; Node reports the name). */
const LINUX_SIGNALS = (
  'HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG ' +
  'XCPU XFSZ VTALRM PROF WINCH IO PWR SYS'
).split(' ')

/** One job as the joblog needs it. */
export interface JoblogEntry {
  /** The job's number in its run, from 1 in input order (GNU parallel's {#}). */
  seq: number
  state: JobView['state']
  startedAt: number | null
  endedAt: number | null
  error?: JobView['error']
  /** Bytes of output the job wrote (its log); 0 when unknown. */
  receive?: number
  /** The job's command line (src/shared/command-line.ts). */
  command: string
}

/**
 * Exitval and Signal as GNU parallel records them: a program's exit code, or 0 and the signal
 * that killed it; -1 and 15 for a job stopped by its timeout or a cancel (GNU parallel's -1
 * "killed by Ctrl-C, timeout, not enough memory or similar"), -1 and 0 for a crash or the
 * memory ceiling, and 1 for a job of another kind that failed (its script threw).
 */
export function exitOf(entry: Pick<JoblogEntry, 'state' | 'error'>): { exitval: number; signal: number } {
  if (entry.state === 'succeeded') return { exitval: 0, signal: 0 }
  if (entry.state === 'timed-out' || entry.state === 'cancelled') return { exitval: -1, signal: 15 }
  const error = entry.error
  if (error?.code === 'exit-code') {
    const code = /exited with code (\d+)/.exec(error.message)
    if (code) return { exitval: Number(code[1]), signal: 0 }
    const signal = /killed by SIG([A-Z0-9]+)/.exec(error.message)
    if (signal) return { exitval: 0, signal: LINUX_SIGNALS.indexOf(signal[1]!) + 1 }
  }
  if (error?.code === 'worker-crashed' || error?.code === 'out-of-memory' || error?.code === 'interrupted')
    return { exitval: -1, signal: 0 }
  return { exitval: 1, signal: 0 }
}

/**
 * One joblog line, or null for a job that never ran: not ended, or cancelled before it started
 * (GNU parallel logs only jobs that ran). A job that failed before reporting its start (a
 * missing program) starts when it ended, with a run time of 0.
 */
export function joblogLine(entry: JoblogEntry): string | null {
  if (entry.endedAt === null || (entry.state === 'cancelled' && entry.startedAt === null)) return null
  const start = entry.startedAt ?? entry.endedAt
  const runtime = Math.trunc(Math.max(0, entry.endedAt - start)) / 1000
  const { exitval, signal } = exitOf(entry)
  const fields = [
    entry.seq,
    ':',
    (start / 1000).toFixed(3),
    runtime.toFixed(3).padStart(10),
    0,
    entry.receive ?? 0,
    exitval,
    signal,
    entry.command.replace(/\n/g, '\0'),
  ]
  return `${fields.join('\t')}\n`
}

/** A whole joblog: the header and a line for each job that ran, in the order given. */
export function jobsToJoblog(entries: JoblogEntry[]): string {
  let text = JOBLOG_HEADER
  for (const entry of entries) text += joblogLine(entry) ?? ''
  return text
}
