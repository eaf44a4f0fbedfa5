// The commands that read the job database for the window's History and job details:
// `historyBatches` (the batches it holds, newest first with their job counts, including those
// cleared from the engine) and `jobParams` (a job's params, which job views do not carry). On
// a real persistent engine (SQLite in its worker) and real workers.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandName, CommandResponse, HistoryBatch } from '../../../src/shared/contract.ts'
import { createApiHost, type ApiHost } from '../../../src/main/host/api-host.ts'
import { openPersistentEngine, type PersistentEngine } from '../../../src/main/host/persistent-engine.ts'

let dir: string
let opened: PersistentEngine
let api: ApiHost

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-history-batches-'))
  opened = await openPersistentEngine({ dataDir: dir, restore: 'all', cpuSlots: 2 })
  api = createApiHost(opened.engine, null, { store: opened.store, logDir: join(dir, 'logs') })
})

afterAll(async () => {
  api.close()
  await opened.close()
  await rm(dir, { recursive: true, force: true })
})

function ok<T>(response: CommandResponse<CommandName>): T {
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`)
  return response.value as T
}

describe('historyBatches', () => {
  it('names every batch the database holds, cleared from the engine or not', async () => {
    const first = ok<{ batchId: number; jobIds: number[] }>(
      await api.handle('submit', { name: 'photos', template: { kind: 'noop', params: {} }, count: 3 }),
    )
    const second = ok<{ batchId: number; jobIds: number[] }>(
      await api.handle('submit', { name: 'reports', template: { kind: 'noop', params: {} }, count: 2 }),
    )
    await opened.engine.whenSettled([...first.jobIds, ...second.jobIds])
    ok(await api.handle('clearFinished', {}))
    await opened.engine.flushStore()
    // The engine no longer holds either batch; the database does.
    expect(opened.engine.batches()).toEqual([])
    const batches = ok<HistoryBatch[]>(await api.handle('historyBatches', {}))
    expect(batches.map(({ id, name, jobs }) => ({ id, name, jobs }))).toEqual([
      { id: second.batchId, name: 'reports', jobs: 2 },
      { id: first.batchId, name: 'photos', jobs: 3 },
    ])
    expect(ok<HistoryBatch[]>(await api.handle('historyBatches', { limit: 1 })).map((b) => b.name)).toEqual(['reports'])
    const bad = await api.handle('historyBatches', { limit: 0 })
    expect(bad.ok === false && bad.error.fields?.[0]?.field).toBe('limit')
  })

  it('answers not-found on a host without a job database', async () => {
    const bare = createApiHost(opened.engine, null, {})
    const answer = await bare.handle('historyBatches', {})
    bare.close()
    expect(answer.ok === false && answer.error.code).toBe('not-found')
  })
})

describe('jobParams', () => {
  it('answers a job’s params, right after its submit and after it was cleared', async () => {
    const { jobIds } = ok<{ jobIds: number[] }>(
      await api.handle('submit', { template: { kind: 'sum-squares', params: { n: '{}' } }, inputs: [12, 34] }),
    )
    // At once: the first write may not have gone out yet.
    expect(ok<{ params: unknown }>(await api.handle('jobParams', { id: jobIds[1]! })).params).toEqual({ n: 34 })
    await opened.engine.whenSettled(jobIds)
    ok(await api.handle('clearFinished', {}))
    expect(ok<{ params: unknown }>(await api.handle('jobParams', { id: jobIds[0]! })).params).toEqual({ n: 12 })
    const missing = await api.handle('jobParams', { id: 999_999 })
    expect(missing.ok === false && missing.error.code).toBe('not-found')
    const bad = await api.handle('jobParams', { id: -1 })
    expect(bad.ok === false && bad.error.fields?.[0]?.field).toBe('id')
  })
})
