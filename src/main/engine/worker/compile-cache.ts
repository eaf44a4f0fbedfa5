// Saves what this worker compiled to Node's compile cache (when the engine gave it a cache
// folder, see EngineOptions.compileCacheDir). Node writes the cache when a process exits
// normally, but workers usually end by terminate() or a signal, so they save it themselves:
// once started, and after loading a kind's module for the first time.
import * as nodeModule from 'node:module'

const flush = (nodeModule as { flushCompileCache?: () => void }).flushCompileCache

export function saveCompileCache(): void {
  if (!flush || !process.env.NODE_COMPILE_CACHE) return
  try {
    flush()
  } catch {
    // A read-only or full disk only costs the next worker its head start.
  }
}
