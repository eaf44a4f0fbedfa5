// The API host against a real engine with real workers: commands are checked against the
// contract and answered (never thrown), bad input names its field, and however many jobs
// change state, each event stream stays at a few messages a second.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandResponse, EventName, Snapshot, SubmitResult } from '../../../src/shared/contract.ts'
import type { JobView } from '../../../src/shared/job.ts'
import { createEngine, startMonitor, type Engine, type Monitor } from '../../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../../src/main/host/api-host.ts'

let dataDir: string
let engine: Engine
let monitor: Monitor
let api: ApiHost

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'corelane-api-host-'))
  engine = createEngine({ dataDir, cpuSlots: 2, ioConcurrency: 10_000 })
  monitor = startMonitor({ hz: 4 })
  api = createApiHost(engine, monitor)
})

afterAll(async () => {
  api.close()
  await Promise.all([monitor.close(), engine.close()])
  await rm(dataDir, { recursive: true, force: true })
})

function expectOk<T>(response: CommandResponse<never> | { ok: boolean }): T {
  if (!response.ok) throw new Error(`expected ok, got ${JSON.stringify(response)}`)
  return (response as { ok: true; value: T }).value
}

function expectError(response: { ok: boolean }) {
  expect(response.ok).toBe(false)
  return (response as { ok: false; error: { code: string; message: string; fields?: { field: string; message: string }[] } })
    .error
}

describe('api host', () => {
  it('runs submitted jobs to completion on real workers and reports them', async () => {
    const events: EventName[] = []
    const off = api.subscribe((event) => void events.push(event))
    try {
      const submitted = expectOk<SubmitResult>(
        await api.handle('submit', { name: 'squares', template: { kind: 'sum-squares', params: { n: 100_000 } }, count: 6 }),
      )
      expect(submitted.jobIds).toHaveLength(6)
      await engine.whenSettled(submitted.jobIds)
      const listed = expectOk<{ total: number; jobs: JobView[] }>(await api.handle('listJobs', { batchId: submitted.batchId }))
      expect(listed.total).toBe(6)
      expect(listed.jobs.map((job) => job.state)).toEqual(Array(6).fill('succeeded'))
      expect(listed.jobs[0]!.result).toEqual(listed.jobs[5]!.result)
      // The change feed delivers within one coalescing interval.
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(events).toEqual(expect.arrayContaining(['jobs', 'batches', 'stats']))

      const snapshot = expectOk<Snapshot>(await api.handle('snapshot', {}))
      expect(snapshot.kinds.map((kind) => kind.name)).toContain('sum-squares')
      expect(snapshot.kinds.find((kind) => kind.name === 'sum-squares')!.paramsSchema).toMatchObject({ type: 'object' })
      expect(snapshot.jobs.filter((job) => job.batchId === submitted.batchId)).toHaveLength(6)
      expect(snapshot.batches.find((batch) => batch.id === submitted.batchId)?.counts.succeeded).toBe(6)
      expect(snapshot.stats.cores).toBeGreaterThan(0)
      expect(snapshot.monitor === null || Array.isArray(snapshot.monitor.cores)).toBe(true)
    } finally {
      off()
    }
  })

  it('answers bad input with invalid-input naming each field', async () => {
    const params = expectError(await api.handle('submit', { template: { kind: 'sum-squares', params: { n: 'many' } }, count: 1 }))
    expect(params.code).toBe('invalid-input')
    expect(params.fields?.map((f) => f.field)).toEqual(['template.params.n'])
    expect(params.message).toContain('template.params.n')

    const ids = expectError(await api.handle('cancel', { ids: [1, 'x'] }))
    expect(ids.code).toBe('invalid-input')
    expect(ids.fields?.[0]?.field).toBe('ids[1]')

    const extra = expectError(await api.handle('pause', { now: true }))
    expect(extra.fields).toEqual([{ field: 'now', message: 'unknown field' }])

    const missing = expectError(await api.handle('setMonitorRate', {}))
    expect(missing.fields).toEqual([{ field: 'hz', message: 'is required' }])

    const notObject = expectError(await api.handle('snapshot', 'please'))
    expect(notObject.code).toBe('invalid-input')

    const kind = expectError(await api.handle('submit', { jobs: [{ kind: 'noop' }, { kind: 'fly' }] }))
    expect(kind.fields?.[0]?.field).toBe('jobs[1].kind')
  })

  it('refuses commands that are not in the contract', async () => {
    for (const name of ['launch', '__proto__', 'toString', 'constructor', 42, null, undefined, { command: 'snapshot' }]) {
      const error = expectError(await api.handle(name, {}))
      expect(error.code).toBe('unknown-command')
    }
  })

  it('maps missing ids to not-found and failures to internal errors without stacks', async () => {
    expect(expectError(await api.handle('jobLog', { id: 987_654 })).code).toBe('not-found')

    const closedDir = await mkdtemp(join(tmpdir(), 'corelane-api-closed-'))
    const closedEngine = createEngine({ dataDir: closedDir })
    await closedEngine.close()
    const failures: unknown[] = []
    const closedApi = createApiHost(closedEngine, null, { onInternalError: (_command, error) => void failures.push(error) })
    const error = expectError(await closedApi.handle('submit', { jobs: [{ kind: 'noop' }] }))
    expect(error.code).toBe('internal')
    expect(error.message).toMatch(/engine is closed/)
    expect(error.message).not.toMatch(/\n\s+at /)
    expect(failures).toHaveLength(1)
    expect(expectError(await closedApi.handle('setMonitorRate', { hz: 2 })).code).toBe('not-found')
    closedApi.close()
    await rm(closedDir, { recursive: true, force: true })
  })

  it('sets the monitor rate within its limits', async () => {
    expect(expectOk<{ hz: number }>(await api.handle('setMonitorRate', { hz: 2 }))).toEqual({ hz: 2 })
    expect(expectOk<{ hz: number }>(await api.handle('setMonitorRate', { hz: 4 }))).toEqual({ hz: 4 })
    // Above 4 Hz systeminformation only repeats its cached sample, so the contract refuses it by name.
    expect(expectError(await api.handle('setMonitorRate', { hz: 20 })).fields?.[0]?.field).toBe('hz')
  })

  it('keeps every stream at a few messages a second while 10,000 jobs change state', async () => {
    const times = new Map<EventName, number[]>()
    const latest = new Map<number, string>()
    const off = api.subscribe((event, payload) => {
      const now = performance.now()
      if (!times.has(event)) times.set(event, [])
      times.get(event)!.push(now)
      if (event === 'jobs') for (const job of (payload as { changed: JobView[] }).changed) latest.set(job.id, job.state)
    })
    const started = performance.now()
    try {
      // 10,000 I/O jobs that start together and end spread over about 1.2 s: some 30,000 state changes.
      const inputs = Array.from({ length: 10_000 }, (_, i) => ({ ms: (i * 7919) % 1200 }))
      const submitted = expectOk<SubmitResult>(await api.handle('submit', { template: { kind: 'sleep', params: {} }, inputs }))
      expect(submitted.jobIds).toHaveLength(10_000)
      await engine.whenSettled(submitted.jobIds)
      await new Promise((resolve) => setTimeout(resolve, 400)) // the last coalesced delivery
      const seconds = (performance.now() - started) / 1000

      expect(submitted.jobIds.every((id) => latest.get(id) === 'succeeded')).toBe(true)
      for (const event of ['jobs', 'batches', 'stats'] as const) {
        const stamps = times.get(event) ?? []
        expect(stamps.length, `${event} events`).toBeGreaterThan(0)
        expect(stamps.length / seconds, `${event} events per second`).toBeLessThanOrEqual(5)
        // The engine's feed is coalesced every 250 ms: no two deliveries come closer than that.
        for (let i = 1; i < stamps.length; i++) expect(stamps[i]! - stamps[i - 1]!, `${event} gap`).toBeGreaterThanOrEqual(200)
      }
      const monitorStamps = times.get('monitor') ?? []
      expect(monitorStamps.length / seconds).toBeLessThanOrEqual(5)
    } finally {
      off()
    }
  })
})
