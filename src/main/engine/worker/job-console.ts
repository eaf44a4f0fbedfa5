// Console output of job code, sent to the job's own log: which job is running right now is
// tracked with AsyncLocalStorage, so output from a timer or promise the code left behind still
// lands in that job's log (and the runtime can put an uncaught error down to it).
import { AsyncLocalStorage } from 'node:async_hooks'
import { format } from 'node:util'
import type { RunningJob } from './running-job.ts'

/**
 * The job whose code is running right now, so console output lands in that job's log and an
 * error thrown from a timer or promise the code left behind is put down to that job.
 */
export const currentJob = new AsyncLocalStorage<RunningJob>()

/**
 * Sends console output from job code to the job's own log file, each line marked with the
 * stream Node would have written it to (log, info and debug to stdout; warn, error and trace
 * to stderr), and so do direct writes to process.stdout and process.stderr. Without this a
 * user script's console.log would reach the CLI's stdout (corrupting --json output) or the
 * app's terminal.
 */
export function captureConsole(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method].bind(console)
    const stream = method === 'warn' || method === 'error' || method === 'trace' ? 'stderr' : 'stdout'
    console[method] = (...args: unknown[]) => {
      const job = currentJob.getStore()
      if (!job) return original(...args)
      if (method !== 'trace') return job.log(format(...args), stream)
      const trace = { name: 'Trace', message: format(...args) }
      Error.captureStackTrace(trace, console.trace)
      job.log((trace as { stack?: string }).stack ?? trace.message, stream)
    }
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const target = process[stream]
    const original = target.write.bind(target) as (...args: unknown[]) => boolean
    target.write = ((chunk: unknown, ...rest: unknown[]) => {
      const job = currentJob.getStore()
      if (!job) return original(chunk, ...rest)
      const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined
      job.logOutput(stream, typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Uint8Array))
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined
      if (callback) process.nextTick(callback)
      return true
    }) as typeof target.write
  }
}
