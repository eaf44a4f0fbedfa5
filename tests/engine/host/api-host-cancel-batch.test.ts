// The cancelBatch command on a real engine through the API host (what the IPC bridge and the
// web server call for every contract command): it cancels every unfinished job of the batch,
// leaves other batches alone, and names batchId for bad input and for an unknown batch.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMAND_NAMES, type CommandResponse, type SubmitResult } from '../../../src/shared/contract.ts'
import { createEngine, type Engine } from '../../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../../src/main/host/api-host.ts'

let dir: string
let engine: Engine
let api: ApiHost

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-cancel-batch-'))
  // One slot: the first job of a batch runs while the rest stay queued.
  engine = createEngine({ dataDir: dir, cpuSlots: 1, graceMs: 300, eventIntervalMs: 50 })
  api = createApiHost(engine, null)
})

afterAll(async () => {
  api?.close()
  await engine?.close()
  await rm(dir, { recursive: true, force: true })
})

function value<T>(response: CommandResponse<never> | { ok: boolean }): T {
  if (!response.ok) throw new Error(`expected ok, got ${JSON.stringify(response)}`)
  return (response as { ok: true; value: T }).value
}

describe('cancelBatch', () => {
  it('is a contract command that cancels the running and queued jobs of one batch', async () => {
    expect(COMMAND_NAMES).toContain('cancelBatch')
    const target = value<SubmitResult>(
      await api.handle('submit', { template: { kind: 'sleep', params: { ms: 60_000 }, lane: 'cpu' }, count: 4 }),
    )
    const other = value<SubmitResult>(
      await api.handle('submit', { template: { kind: 'sleep', params: { ms: 60_000 }, lane: 'cpu' }, count: 2 }),
    )
    const start = Date.now()
    while (engine.getJob(target.jobIds[0]!)!.state !== 'running') {
      if (Date.now() - start > 10_000) throw new Error('the first job never started')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(value(await api.handle('cancelBatch', { batchId: target.batchId }))).toEqual({ cancelled: 4 })
    await engine.whenSettled(target.jobIds)
    for (const id of target.jobIds) expect(engine.getJob(id)!.state).toBe('cancelled')
    // The other batch is untouched: its first job takes the freed slot.
    for (const id of other.jobIds) expect(engine.getJob(id)!.state).not.toBe('cancelled')
    expect(value(await api.handle('cancelBatch', { batchId: other.batchId }))).toEqual({ cancelled: 2 })
    await engine.whenSettled(other.jobIds)
  }, 30_000)

  it('names batchId for bad input and for an unknown batch', async () => {
    expect(await api.handle('cancelBatch', { batchId: 424_242 })).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'invalid-input',
        fields: [{ field: 'batchId', message: 'no batch with id 424242' }],
      }),
    })
    expect(await api.handle('cancelBatch', {})).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', fields: [{ field: 'batchId' }] },
    })
    expect(await api.handle('cancelBatch', { batchId: 0 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', fields: [{ field: 'batchId' }] },
    })
  })
})
