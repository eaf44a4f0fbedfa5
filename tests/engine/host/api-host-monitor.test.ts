// The API host's monitor plumbing against a real engine and the real sampler: a shell job
// spinning in a worker process is listed among the processes as a Corelane worker (the
// sampler only knows it descends from the host; the host knows the engine's workers), the
// `machine` command answers the topology, and `coreFrequencies` answers for a window (with a
// sentence where this machine reports no frequency) and refuses a window that ends first.
import { cpus, tmpdir } from 'node:os'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandOutputs } from '../../../src/shared/contract.ts'
import { createEngine, startMonitor, type Engine, type Monitor } from '../../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../../src/main/host/api-host.ts'

let dataDir: string
let engine: Engine
let monitor: Monitor
let api: ApiHost

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'corelane-api-monitor-'))
  engine = createEngine({ dataDir, cpuSlots: 1 })
  monitor = startMonitor({ hz: 4 })
  api = createApiHost(engine, monitor)
})

afterAll(async () => {
  api.close()
  await Promise.all([monitor.close(), engine.close()])
  await rm(dataDir, { recursive: true, force: true })
})

async function call<C extends keyof CommandOutputs>(command: C, input: unknown): Promise<CommandOutputs[C]> {
  const response = await api.handle(command, input)
  if (!response.ok) throw new Error(`${command} failed: ${JSON.stringify(response.error)}`)
  return response.value as CommandOutputs[C]
}

describe('API host: monitor', () => {
  it.runIf(process.platform === 'linux')("marks a job's program in a worker process as a Corelane worker", async () => {
    const { jobIds } = await call('submit', {
      name: 'spin',
      jobs: [{ kind: 'shell', params: { argv: [process.execPath, '-e', 'for(;;){}'] }, timeoutMs: 60_000 }],
    })
    try {
      const deadline = Date.now() + 20_000
      let found = null
      let seen: unknown = null
      while (!found && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500))
        const { processes } = await call('machine', {})
        seen = processes?.list.map((p) => [p.pid, p.ppid, p.name, p.cpuPercent, p.corelane])
        found = processes?.list.find((p) => p.corelane === 'worker' && p.cpuPercent > 5) ?? null
      }
      expect(
        found,
        `a busy process marked as a Corelane worker; workers ${JSON.stringify(engine.workers().map((w) => [w.pid, w.executor]))}, saw ${JSON.stringify(seen)}`,
      ).not.toBeNull()
      const workerPids = engine.workers().map((w) => w.pid)
      // The program runs under its worker's shell server, so the worker is its grandparent.
      expect(workerPids.includes(found!.via ?? found!.ppid)).toBe(true)
    } finally {
      await call('cancel', { ids: jobIds })
    }
  })

  it('answers the topology and core frequencies for a window, and refuses a window that ends before it starts', async () => {
    const start = Date.now()
    await new Promise((r) => setTimeout(r, 1500))
    const { topology, hardware } = await call('machine', {})
    expect(topology?.logical).toBe(cpus().length)
    const report = await call('coreFrequencies', { from: start, to: Date.now(), cores: [0] })
    expect(report.cores.map((c) => c.core)).toEqual([0])
    if (hardware?.frequenciesMhz) expect(report.cores[0]!.meanMhz).toBeGreaterThan(0)
    else expect(report.note).toBe('frequencies are not available here')
    const bad = await api.handle('coreFrequencies', { from: 10, to: 5 })
    expect(bad.ok).toBe(false)
    expect(JSON.stringify(bad)).toContain('to: must not be before from')
    const badCore = await api.handle('coreFrequencies', { from: 1, to: 5, cores: [-1] })
    expect(JSON.stringify(badCore)).toContain('cores')
  })
})
