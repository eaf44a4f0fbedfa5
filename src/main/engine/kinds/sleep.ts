// The pure I/O-bound job: waits on a timer and uses no CPU. It must stay tiny, since the
// async lane runs 100,000 of these at once in one worker: one timer and one abort listener each.
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { abortError } from './pace.ts'

// Short sleeps (the usual case, and the one run by the thousand) skip progress entirely;
// longer ones wake once a second to report it.
const PROGRESS_ABOVE_MS = 2000
const PROGRESS_EVERY_MS = 1000

/**
 * A timer that rejects with the signal's reason on abort. Hand-rolled rather than
 * timers/promises' setTimeout with `signal`, which measured about twice the cost per call at
 * 100,000 concurrent sleeps, and rejects with its own AbortError rather than the reason.
 */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

export const sleep: KindRunner<KindParams<'sleep'>> = async ({ ms }, ctx) => {
  const { signal } = ctx
  throwIfAborted(signal)
  const start = performance.now()
  if (ms <= PROGRESS_ABOVE_MS) {
    await wait(ms, signal)
  } else {
    for (let left = ms; left > 0; left = ms - (performance.now() - start)) {
      await wait(Math.min(PROGRESS_EVERY_MS, left), signal)
      ctx.progress(Math.min(1, (performance.now() - start) / ms))
    }
  }
  return { sleptMs: Math.round(performance.now() - start) }
}
