#!/usr/bin/env -S node --max-semi-space-size=4
// The `corelane` command's entry, in plain JavaScript so that Node need not load its
// TypeScript stripper before the compile cache is on. The cache keeps the stripped and
// compiled code of every module (keyed by content and Node version, so never stale): a
// one-job `corelane run` then starts in about half the time. NODE_COMPILE_CACHE is set in the
// environment, not only enabled here, so the store's worker thread uses the cache too.
//
// A small young generation (4 MiB semi-spaces instead of V8's default of up to 16): a long
// batch allocates fast and keeps little, and with the default each isolate (the engine's,
// the store's, each worker thread's) grows its nursery to the maximum: measured on a
// 600,000-job run, 399 MB peak resident memory with the default, 265 MB with 4 MiB. The shebang sets it for this process; the call
// below sets it for isolates started later (worker threads) when run as `node corelane.mjs`.
import { enableCompileCache } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--max-semi-space-size=4')
process.env.NODE_COMPILE_CACHE ||= join(tmpdir(), 'corelane-compile-cache')
try {
  enableCompileCache(process.env.NODE_COMPILE_CACHE)
} catch {
  // No cache (a read-only temp folder): the CLI only starts slower.
}
await import('./main.ts')
