// An API host over a real persistent engine (SQLite in its worker, real workers) in a fresh
// data folder, for the host tests that read the job database. Closed and removed after the file.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { CommandName, CommandResponse } from '../../../src/shared/contract.ts'
import { createApiHost, type ApiHost, type ApiHostOptions } from '../../../src/main/host/api-host.ts'
import { openPersistentEngine, type PersistentEngine } from '../../../src/main/host/persistent-engine.ts'

export interface PersistentApi {
  dir: string
  opened: PersistentEngine
  api: ApiHost
}

/** Opens one for the test file (beforeAll) and closes it after (afterAll); the fields are set once beforeAll has run. */
export function usePersistentApi(
  prefix: string,
  cpuSlots: number,
  hostOptions: (dir: string) => Partial<ApiHostOptions> = () => ({}),
): PersistentApi {
  const ctx = {} as PersistentApi
  beforeAll(async () => {
    ctx.dir = await mkdtemp(join(tmpdir(), prefix))
    ctx.opened = await openPersistentEngine({ dataDir: ctx.dir, restore: 'all', cpuSlots })
    ctx.api = createApiHost(ctx.opened.engine, null, {
      store: ctx.opened.store,
      logDir: join(ctx.dir, 'logs'),
      ...hostOptions(ctx.dir),
    })
  })
  afterAll(async () => {
    ctx.api.close()
    await ctx.opened.close()
    await rm(ctx.dir, { recursive: true, force: true })
  })
  return ctx
}

/** A command's value, or a thrown error naming its code and message. */
export function ok<T>(response: CommandResponse<CommandName>): T {
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`)
  return response.value as T
}
