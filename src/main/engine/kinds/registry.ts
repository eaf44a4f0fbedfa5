// Every kind's implementation by name: the one place a worker looks a kind up. Each kind is
// loaded the first time a worker runs it, so a new worker starts without importing the
// modules (zlib, crypto, fetch, child_process …) of kinds it may never run.
import type { KindName } from '../../../shared/kinds.ts'
import type { KindRunner } from './context.ts'
import { saveCompileCache } from '../worker/compile-cache.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- params are validated per kind before lookup
type AnyRunner = KindRunner<any>

export const kindLoaders: Record<KindName, () => Promise<AnyRunner>> = {
  noop: async () => (await import('./noop.ts')).noop,
  'sum-squares': async () => (await import('./sum-squares.ts')).sumSquares,
  primes: async () => (await import('./primes.ts')).primes,
  hash: async () => (await import('./hash.ts')).hash,
  compress: async () => (await import('./compress.ts')).compress,
  mandelbrot: async () => (await import('./mandelbrot.ts')).mandelbrot,
  sort: async () => (await import('./sort.ts')).sort,
  sleep: async () => (await import('./sleep.ts')).sleep,
  'http-get': async () => (await import('./http-get.ts')).httpGet,
  copy: async () => (await import('./copy.ts')).copy,
  du: async () => (await import('./du.ts')).du,
  shell: async () => (await import('./shell.ts')).shell,
  script: async () => (await import('./script.ts')).script,
  'alloc-until-oom': async () => (await import('./alloc-until-oom.ts')).allocUntilOom,
}

const loaded = new Map<string, AnyRunner>()

/** The runner for a kind: synchronous once loaded (the hot path for short jobs), else loads it. */
export function runnerFor(kind: string): AnyRunner | Promise<AnyRunner> {
  const runner = loaded.get(kind)
  if (runner) return runner
  const loader = kindLoaders[kind as KindName]
  if (!loader) return Promise.reject(new Error(`unknown kind "${kind}"`))
  return loader().then((fn) => {
    loaded.set(kind, fn)
    saveCompileCache()
    return fn
  })
}
