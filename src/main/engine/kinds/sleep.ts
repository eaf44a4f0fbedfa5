// The pure I/O-bound job: waits on a timer and uses no CPU. It must stay tiny, since the
// async lane runs 100,000 of these at once in one worker: one timer and one abort listener each.
import type { KindParams } from '../../../shared/kinds.ts'
import type { JobContext, KindRunner } from './context.ts'

// Short sleeps (the usual case, and the one run by the thousand) skip progress entirely;
// longer ones wake once a second to report it.
const PROGRESS_ABOVE_MS = 2000
const PROGRESS_EVERY_MS = 1000

/**
 * A timer that rejects with the stop reason. It uses the context's `onAbort` hook, not an
 * AbortSignal listener: at 100,000 concurrent sleeps, an AbortController and an event listener
 * per job cost more than the timers themselves (measured: about a third of the worker's time,
 * most of it in garbage collection).
 */
function wait(ms: number, ctx: JobContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      resolve()
    }, ms)
    const off = ctx.onAbort((reason) => {
      clearTimeout(timer)
      reject(reason)
    })
  })
}

export const sleep: KindRunner<KindParams<'sleep'>> = async ({ ms }, ctx) => {
  const start = performance.now()
  if (ms <= PROGRESS_ABOVE_MS) {
    await wait(ms, ctx)
  } else {
    for (let left = ms; left > 0; left = ms - (performance.now() - start)) {
      await wait(Math.min(PROGRESS_EVERY_MS, left), ctx)
      ctx.progress(Math.min(1, (performance.now() - start) / ms))
    }
  }
  return { sleptMs: Math.round(performance.now() - start) }
}
