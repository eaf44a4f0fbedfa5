// Hostile WebSocket frames on a real web-mode server over loopback, property-based: any frame
// gets an answer or a close, and the server keeps answering the next request.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { COMMAND_NAMES } from '../../../src/shared/contract.ts'
import { createEngine, type Engine } from '../../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../../src/main/host/api-host.ts'
import { startWebServer, type WebServer } from '../../../src/cli/web/web-server.ts'
import { RUNS } from './hostile.ts'

let dir: string
let engine: Engine
let api: ApiHost
let server: WebServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-fuzz-ws-'))
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>fuzz</title>')
  // Paused: a random frame that happens to be a valid submit queues jobs but runs nothing heavy.
  engine = createEngine({ dataDir: dir, cpuSlots: 2, paused: true })
  api = createApiHost(engine, null)
  server = await startWebServer({ api, staticRoot: dir, port: 0 })
})

afterAll(async () => {
  await server?.close()
  api?.close()
  await engine?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('WebSocket frames', () => {
  it('any frame gets an answer or a close, and the server keeps answering', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(server.token)}`)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    const replies = new Map<unknown, Record<string, unknown>>()
    const waiters = new Map<unknown, (m: Record<string, unknown>) => void>()
    let errorsWithoutId = 0
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>
      if (!('id' in message)) return // an event
      if (message.id === null || message.id === undefined) errorsWithoutId++
      replies.set(message.id, message)
      waiters.get(message.id)?.(message)
    })
    const probe = (id: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${id}`)), 5000)
        waiters.set(id, (m) => {
          clearTimeout(timer)
          resolve(m)
        })
        ws.send(JSON.stringify({ id, command: 'listJobs', input: { limit: 1 } }))
      })
    const frame = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record({
          id: fc.oneof(fc.integer(), fc.string()),
          command: fc.oneof(fc.constantFrom(...COMMAND_NAMES), fc.string()),
          input: fc.jsonValue(),
        })
        .map((m) => JSON.stringify(m)),
    )
    let n = 0
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        ws.send(text)
        const answer = await probe(`probe-${n++}`)
        expect(answer.ok).toBe(true)
      }),
      { numRuns: RUNS },
    )
    expect(ws.readyState).toBe(WebSocket.OPEN)
    expect(errorsWithoutId).toBeGreaterThan(0)
    ws.close()
  })
})
