// Workers keep Node's compile cache in the data folder, so later workers skip the TypeScript
// stripper; turning it off leaves no folder behind.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeEngine } from './fixture.ts'

async function cachedFiles(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true })
    return entries.filter((entry) => entry.isFile()).length
  } catch {
    return 0
  }
}

describe('compile cache', () => {
  it('is written by thread and process workers into <dataDir>/compile-cache', async () => {
    for (const executor of ['thread', 'process'] as const) {
      const { engine, dir } = await makeEngine()
      expect(await engine.run({ kind: 'sum-squares', params: { n: 10 }, executor })).toMatchObject({ state: 'succeeded' })
      // Saved by the worker itself after it started and after it loaded the kind.
      const cache = join(dir, 'compile-cache')
      let files = 0
      for (let i = 0; i < 100 && files === 0; i++) {
        files = await cachedFiles(cache)
        if (files === 0) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(files, `${executor} worker cache entries`).toBeGreaterThan(0)
    }
  })

  it('can be turned off', async () => {
    const { engine, dir } = await makeEngine({ compileCacheDir: null })
    await engine.run({ kind: 'noop', params: {} })
    await engine.run({ kind: 'noop', params: {}, executor: 'process' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await cachedFiles(join(dir, 'compile-cache'))).toBe(0)
  })
})
