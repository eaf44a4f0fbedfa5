// Hostile commands to the API host (what IPC and WebSocket both feed), property-based, on a
// real engine: every command and payload gets a response, never an exception or an internal
// error, and the engine keeps running and loses no job.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMAND_NAMES } from '../../../src/shared/contract.ts'
import { createEngine, type Engine } from '../../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../../src/main/host/api-host.ts'
import { hostile, RUNS } from './hostile.ts'

let dir: string
let engine: Engine
let api: ApiHost
const internalErrors: string[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-fuzz-api-'))
  // Paused: a random input that happens to be a valid submit queues jobs but runs nothing heavy.
  engine = createEngine({ dataDir: dir, cpuSlots: 2, paused: true })
  api = createApiHost(engine, null, { onInternalError: (command, error) => internalErrors.push(`${command}: ${String(error)}`) })
})

afterAll(async () => {
  api?.close()
  await engine?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('API host (the IPC and WebSocket dispatcher)', () => {
  it('answers any command and payload with a response, never an exception or an internal error', async () => {
    const command = fc.oneof(fc.constantFrom(...COMMAND_NAMES), hostile)
    await fc.assert(
      fc.asyncProperty(command, hostile, async (name, input) => {
        const response = await api.handle(name, input)
        if (!response.ok) {
          expect(['invalid-input', 'unknown-command', 'not-found']).toContain(response.error.code)
          if (response.error.code === 'invalid-input') expect(response.error.fields?.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: RUNS * 2 },
    )
    expect(internalErrors).toEqual([])
    // The engine is still healthy and loses nothing: a real job submitted now runs to the end.
    const before = engine.listJobs({ limit: 1 }).total
    const submitted = await api.handle('submit', { jobs: [{ kind: 'sum-squares', params: { n: 10 } }] })
    expect(submitted.ok).toBe(true)
    engine.resume()
    await engine.whenSettled()
    expect(engine.listJobs({ limit: 1 }).total).toBe(before + 1)
    expect(engine.getJob((submitted as { ok: true; value: { jobIds: number[] } }).value.jobIds[0]!)!.state).toBe('succeeded')
    engine.pause()
  })
})
