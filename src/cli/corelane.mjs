#!/usr/bin/env node
// The `corelane` command's entry, in plain JavaScript so that Node need not load its
// TypeScript stripper before the compile cache is on. The cache keeps the stripped and
// compiled code of every module (keyed by content and Node version, so never stale): a
// one-job `corelane run` then starts in about half the time. NODE_COMPILE_CACHE is set in the
// environment, not only enabled here, so the store's worker thread uses the cache too.
import { enableCompileCache } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

process.env.NODE_COMPILE_CACHE ||= join(tmpdir(), 'corelane-compile-cache')
try {
  enableCompileCache(process.env.NODE_COMPILE_CACHE)
} catch {
  // No cache (a read-only temp folder): the CLI only starts slower.
}
await import('./main.ts')
