// alloc-until-oom: it grows until stopped, and it grows the V8 heap, so a thread's heap limit
// (worker_threads resourceLimits) really ends it.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { allocUntilOom } from '../../../src/main/engine/kinds/alloc-until-oom.ts'
import { cancelAfter, makeTestContext, withContext } from './test-context.ts'

describe('alloc-until-oom', () => {
  it('keeps allocating, reporting what it holds, until cancelled', async () => {
    const t = await makeTestContext()
    try {
      const { reason, error } = await cancelAfter(allocUntilOom({ chunkMb: 2 }, t.ctx), t.controller, 200)
      expect(error).toBe(reason)
      const notes = t.progress.map((p) => p.note ?? '')
      expect(notes.length).toBeGreaterThan(2)
      expect(notes.at(-1)).toBe(`${notes.at(-1)?.match(/^(\d+)/)?.[1]} MiB heap used, ${2 * notes.length} MiB native kept`)
    } finally {
      await t.cleanup()
    }
  })

  it('is ended by a thread heap limit', async () => {
    await withContext(async ({ dir }) => {
      const kind = pathToFileURL(join(import.meta.dirname, '../../../src/main/engine/kinds/alloc-until-oom.ts')).href
      const entry = join(dir, 'entry.mjs')
      await writeFile(
        entry,
        `import { allocUntilOom } from ${JSON.stringify(kind)}
        const ctx = { signal: new AbortController().signal, progress: () => {}, log: () => {} }
        await allocUntilOom({ chunkMb: 8 }, ctx)`,
      )
      const worker = new Worker(entry, { resourceLimits: { maxOldGenerationSizeMb: 64 } })
      const error = await new Promise<Error & { code?: string }>((resolve) => worker.once('error', resolve))
      expect(error.code).toBe('ERR_WORKER_OUT_OF_MEMORY')
      await worker.terminate()
    })
  })
})
