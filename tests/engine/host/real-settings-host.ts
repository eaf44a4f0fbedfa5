// Test helper: the real host side of the settings screen (the API host over a real settings
// file and a real, paused engine in a temporary folder), for the renderer's component test.
// Kept here, outside tests/renderer, because it is Node code: the renderer's tests are
// type-checked without Node's types, and load this module at run time.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommandName, CommandResponse, EventName } from '../../../src/shared/contract.ts'
import { createEngine } from '../../../src/main/engine/index.ts'
import { createApiHost } from '../../../src/main/host/api-host.ts'
import { openSettingsStore } from '../../../src/main/host/settings-store.ts'

export interface RealSettingsHost {
  handle(command: unknown, input: unknown): Promise<CommandResponse<CommandName>>
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void
  /** settings.json as the host saved it. */
  readSaved(): Promise<Record<string, unknown>>
  close(): Promise<void>
}

/** `desktop`: as the Electron app builds its host; otherwise as web mode does. */
export async function startRealSettingsHost(desktop: boolean): Promise<RealSettingsHost> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-settings-host-'))
  // Entries as plain paths: under happy-dom, URL is not Node's, so the engine's default file: URLs would not resolve.
  const worker = (name: string) => join(import.meta.dirname, '../../../src/main/engine/worker', name)
  const engine = createEngine({
    dataDir: dir,
    paused: true,
    compileCacheDir: null,
    workerEntries: { thread: worker('thread-entry.ts'), process: worker('process-entry.ts') },
  })
  const settings = await openSettingsStore(dir)
  const host = createApiHost(engine, null, { settings, desktop })
  return {
    handle: (command, input) => host.handle(command, input),
    subscribe: (listener) => host.subscribe((event, payload) => listener(event, payload)),
    readSaved: async () => JSON.parse(await readFile(settings.file, 'utf8')) as Record<string, unknown>,
    async close() {
      host.close()
      await engine.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
