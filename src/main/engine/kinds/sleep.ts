// The pure I/O-bound job: waits on a timer and uses no CPU. It must stay tiny, since the
// async lane runs 100,000 of these at once in one worker.
import type { KindParams } from '../../../shared/kinds.ts'
import type { JobContext, KindRunner } from './context.ts'

// Short sleeps (the usual case, and the one run by the thousand) skip progress entirely;
// longer ones wake once a second to report it.
const PROGRESS_ABOVE_MS = 2000
const PROGRESS_EVERY_MS = 1000

/**
 * A timer that rejects with the stop reason. Plain promises and the context's `onAbort` hook
 * rather than an async function and an AbortSignal listener: at 100,000 concurrent sleeps every
 * object a sleep keeps alive for its whole second is copied by the garbage collector, and an
 * AbortController, a listener and an async frame per job cost more than the timers themselves.
 */
function wait<T>(ms: number, ctx: JobContext, value: (start: number) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const timer = setTimeout(() => resolve(value(start)), ms)
    ctx.onAbort((reason) => {
      clearTimeout(timer)
      reject(reason)
    })
  })
}

const slept = (start: number) => ({ sleptMs: Math.round(performance.now() - start) })
const nothing = () => undefined

export const sleep: KindRunner<KindParams<'sleep'>> = ({ ms }, ctx) =>
  ms <= PROGRESS_ABOVE_MS ? wait(ms, ctx, slept) : sleepWithProgress(ms, ctx)

async function sleepWithProgress(ms: number, ctx: JobContext): Promise<{ sleptMs: number }> {
  const start = performance.now()
  for (let left = ms; left > 0; left = ms - (performance.now() - start)) {
    await wait(Math.min(PROGRESS_EVERY_MS, left), ctx, nothing)
    ctx.progress(Math.min(1, (performance.now() - start) / ms))
  }
  return slept(start)
}
