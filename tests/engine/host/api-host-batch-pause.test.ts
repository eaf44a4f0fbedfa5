// The setBatchPaused command on a real engine: through the API host (what the IPC bridge
// calls for every contract command) and over a real loopback WebSocket (web mode), checked
// with the shared schema, naming the field for bad input and for an unknown batch.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { COMMAND_NAMES, type CommandResponse, type SubmitResult } from '../../../src/shared/contract.ts'
import type { BatchView } from '../../../src/shared/job.ts'
import { createEngine, type Engine } from '../../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../../src/main/host/api-host.ts'
import { startWebServer, type WebServer } from '../../../src/cli/web/web-server.ts'

let dir: string
let engine: Engine
let api: ApiHost
let server: WebServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-batch-pause-'))
  // Paused as a whole, so the submitted jobs stay queued while the commands are checked.
  engine = createEngine({ dataDir: dir, cpuSlots: 2, paused: true, eventIntervalMs: 50 })
  api = createApiHost(engine, null)
  // The server wants a page to serve; this test only talks to its WebSocket.
  const www = join(dir, 'www')
  await mkdir(www)
  await writeFile(join(www, 'index.html'), '<!doctype html><title>test</title>')
  server = await startWebServer({ api, staticRoot: www, port: 0 })
})

afterAll(async () => {
  await server?.close()
  api?.close()
  await engine?.close()
  await rm(dir, { recursive: true, force: true })
})

function value<T>(response: CommandResponse<never> | { ok: boolean }): T {
  if (!response.ok) throw new Error(`expected ok, got ${JSON.stringify(response)}`)
  return (response as { ok: true; value: T }).value
}

/** One WebSocket call to the web server, answered by id. */
async function overWebSocket(command: string, input: unknown): Promise<Record<string, unknown>> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(server.token)}`)
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    const answer = new Promise<Record<string, unknown>>((resolve) =>
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>
        if (message.id === 7) resolve(message)
      }),
    )
    ws.send(JSON.stringify({ id: 7, command, input }))
    return await answer
  } finally {
    ws.close()
  }
}

describe('setBatchPaused', () => {
  it('is a contract command (the IPC bridge registers one handler per contract command)', () => {
    expect(COMMAND_NAMES).toContain('setBatchPaused')
  })

  it('pauses and resumes a batch through the API host, and the batches event says so', async () => {
    const submitted = value<SubmitResult>(
      await api.handle('submit', { template: { kind: 'sleep', params: { ms: 10 } }, count: 3 }),
    )
    const events: BatchView[][] = []
    const off = api.subscribe((event, payload) => {
      if (event === 'batches') events.push(payload as BatchView[])
    })
    try {
      const paused = value<BatchView>(await api.handle('setBatchPaused', { batchId: submitted.batchId, paused: true }))
      expect(paused).toMatchObject({ id: submitted.batchId, paused: true, total: 3 })
      const deadline = Date.now() + 5000
      while (!events.some((list) => list.some((b) => b.id === submitted.batchId && b.paused)) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20))
      expect(events.some((list) => list.some((b) => b.id === submitted.batchId && b.paused))).toBe(true)
      const resumed = value<BatchView>(await api.handle('setBatchPaused', { batchId: submitted.batchId, paused: false }))
      expect(resumed.paused).toBe(false)
      expect(engine.batches().find((b) => b.id === submitted.batchId)!.paused).toBe(false)
    } finally {
      off()
    }
  })

  it('names the field for bad input and for an unknown batch', async () => {
    expect(await api.handle('setBatchPaused', { batchId: 987_654, paused: true })).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'invalid-input',
        fields: [{ field: 'batchId', message: 'no batch with id 987654' }],
      }),
    })
    expect(await api.handle('setBatchPaused', { batchId: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', fields: [{ field: 'paused' }] },
    })
    expect(await api.handle('setBatchPaused', { batchId: 'one', paused: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', fields: [{ field: 'batchId' }] },
    })
  })

  it('is answered over the WebSocket the same way', async () => {
    const submitted = value<SubmitResult>(
      await api.handle('submit', { template: { kind: 'sleep', params: { ms: 10 } }, count: 2 }),
    )
    const paused = await overWebSocket('setBatchPaused', { batchId: submitted.batchId, paused: true })
    expect(paused).toMatchObject({ ok: true, value: { id: submitted.batchId, paused: true } })
    expect(engine.batches().find((b) => b.id === submitted.batchId)!.paused).toBe(true)
    const unknown = await overWebSocket('setBatchPaused', { batchId: 555_555, paused: false })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid-input', fields: [{ field: 'batchId' }] } })
  })
})
