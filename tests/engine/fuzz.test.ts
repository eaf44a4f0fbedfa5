// Hostile and malformed input, property-based (fast-check), at every boundary: job params,
// batch files, CLI arguments, API host commands (what IPC and WebSocket both feed) and raw
// WebSocket frames on a real server. Each gets a clear error naming the field, nothing
// throws past the boundary, the engine keeps running, and no job is lost.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { COMMAND_NAMES } from '../../src/shared/contract.ts'
import { KIND_NAMES } from '../../src/shared/kinds.ts'
import { BatchFileSchema, checkJobSpec } from '../../src/shared/schemas.ts'
import { safeParseProblems, ValidationError } from '../../src/shared/validate.ts'
import { createEngine, type Engine } from '../../src/main/engine/index.ts'
import { validateSubmission } from '../../src/main/engine/submission.ts'
import { createApiHost, type ApiHost } from '../../src/main/host/api-host.ts'
import { checkFlags, parseCommandLine, RunFlagsSchema, HistoryFlagsSchema } from '../../src/cli/args.ts'
import { InputError, toSubmitRequest } from '../../src/cli/batch-file.ts'
import { startWebServer, type WebServer } from '../../src/cli/web/web-server.ts'

const RUNS = 300

let dir: string
let engine: Engine
let api: ApiHost
let server: WebServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-fuzz-'))
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>fuzz</title>')
  // Paused: a random input that happens to be a valid submit queues jobs but runs nothing heavy.
  engine = createEngine({ dataDir: dir, cpuSlots: 2, paused: true })
  api = createApiHost(engine, null, { onInternalError: (command, error) => internalErrors.push(`${command}: ${String(error)}`) })
  server = await startWebServer({ api, staticRoot: dir, port: 0 })
})

afterAll(async () => {
  await server?.close()
  api?.close()
  await engine?.close()
  await rm(dir, { recursive: true, force: true })
})

const internalErrors: string[] = []

/** Values of every JSON shape plus the ones JSON cannot carry but IPC's structured clone can. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', '\u0000', '__proto__', '{}'),
)

function expectNamedProblems(problems: { field: string; message: string }[]): void {
  expect(problems.length).toBeGreaterThan(0)
  for (const problem of problems) expect(problem.message.length).toBeGreaterThan(0)
}

describe('job params', () => {
  it('every kind answers any params with ok or problems under `params`', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KIND_NAMES), fc.dictionary(fc.string({ maxLength: 8 }), hostile, { maxKeys: 4 }), (kind, params) => {
        const checked = checkJobSpec({ kind, params }, 'jobs[0]')
        if (!checked.ok) {
          expectNamedProblems(checked.problems)
          for (const problem of checked.problems) expect(problem.field.startsWith('jobs[0].params')).toBe(true)
        }
      }),
      { numRuns: RUNS * 3 },
    )
  })

  it('any job envelope answers ok or problems, never an exception', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const checked = checkJobSpec(input, 'job')
        if (!checked.ok) expectNamedProblems(checked.problems)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('batch files', () => {
  const batchish = fc.record(
    {
      name: hostile,
      jobs: fc.array(fc.oneof(hostile, fc.record({ kind: fc.constantFrom(...KIND_NAMES, 'nope'), params: hostile })), { maxLength: 4 }),
      template: fc.oneof(hostile, fc.record({ kind: fc.constantFrom(...KIND_NAMES), params: hostile })),
      inputs: fc.oneof(fc.array(hostile, { maxLength: 4 }), fc.record({ range: hostile }), hostile),
      count: fc.oneof(fc.integer({ min: -5, max: 5 }), hostile),
      defaults: hostile,
    },
    { requiredKeys: [] },
  )

  it('any batch file is accepted or refused with problems; accepted ones submit or fail validation cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, batchish), async (input) => {
        const parsed = safeParseProblems(BatchFileSchema, input)
        if (!parsed.ok) {
          expectNamedProblems(parsed.problems)
          return
        }
        try {
          const request = await toSubmitRequest(parsed.value, 'fuzz.json', dir)
          await validateSubmission(request)
        } catch (error) {
          expect(error instanceof ValidationError || error instanceof InputError).toBe(true)
          expectNamedProblems((error as ValidationError).problems)
        }
      }),
      { numRuns: RUNS },
    )
  })
})

describe('CLI arguments', () => {
  it('any argv is parsed or refused with an InputError naming the flag', () => {
    const token = fc.oneof(
      fc.constantFrom('run', 'kinds', 'history', '--json', '--cpu-slots', '--io-concurrency', '--executor', '--state', '--limit', '-q', '--', '-'),
      fc.string({ maxLength: 12 }),
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
        try {
          const { values } = parseCommandLine(argv)
          checkFlags(RunFlagsSchema, values, ['cpu-slots', 'io-concurrency', 'executor', 'json', 'quiet'])
          checkFlags(HistoryFlagsSchema, values, ['state', 'limit', 'json', 'quiet', 'cpu-slots', 'io-concurrency', 'executor'])
        } catch (error) {
          expect(error).toBeInstanceOf(InputError)
          expect((error as InputError).message.length).toBeGreaterThan(10)
        }
      }),
      { numRuns: RUNS * 3 },
    )
  })
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
      fc.record({ id: fc.oneof(fc.integer(), fc.string()), command: fc.oneof(fc.constantFrom(...COMMAND_NAMES), fc.string()), input: fc.jsonValue() }).map((m) =>
        JSON.stringify(m),
      ),
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
