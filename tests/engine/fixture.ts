// A real engine for tests: real worker threads and processes, a real temp data folder, and
// helpers to write user scripts to disk. Every engine made here is closed after its test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { createEngine, type Engine, type EngineOptions } from '../../src/main/engine/index.ts'

const open: { engine: Engine; dir: string }[] = []

afterEach(async () => {
  for (const { engine, dir } of open.splice(0)) {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  }
})

export async function makeEngine(options: Partial<EngineOptions> = {}): Promise<{ engine: Engine; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-engine-'))
  const engine = createEngine({ dataDir: dir, cpuSlots: 2, graceMs: 300, retryBackoffMs: 20, eventIntervalMs: 50, ...options })
  open.push({ engine, dir })
  return { engine, dir }
}

/** Writes an ES module for the `script` kind and returns its path. */
export async function writeScript(dir: string, name: string, source: string): Promise<string> {
  const path = join(dir, `${name}.mjs`)
  await writeFile(path, source)
  return path
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `check` is true (or fails the test after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}
