// Where jobs run (Linux): workers report pid and kernel thread id, the engine reads each
// worker's current core and CPU time from /proc, and can pin workers with taskset.
import { execFileSync } from 'node:child_process'
import { platform, availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { parseThreadStat } from '../../src/main/engine/placement.ts'
import { makeEngine, until } from './fixture.ts'

const linux = platform() === 'linux'
let hasTaskset = false
try {
  execFileSync('taskset', ['-V'])
  hasTaskset = true
} catch {
  hasTaskset = false
}

describe('placement', () => {
  it('parses /proc stat lines whose command names hold spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i))
    fields[13] = '250' // utime (field 14)
    fields[14] = '50' // stime (field 15)
    fields[38] = '3' // processor (field 39)
    const line = `1234 (node (worker) 1) ${fields.slice(2).join(' ')}`
    expect(parseThreadStat(line)).toEqual({ core: 3, cpuTimeMs: 3000 })
  })

  it.runIf(linux)('reports each running job on its worker thread and core, with CPU time', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2 })
    const { jobIds } = await engine.submit({
      jobs: [
        { kind: 'sum-squares', params: { n: 4e9 }, executor: 'thread' },
        { kind: 'sum-squares', params: { n: 4e9 }, executor: 'process' },
      ],
    })
    await until(() => jobIds.every((id) => engine.getJob(id)!.state === 'running'), 10_000, 'both running')
    const before = new Map((await engine.sampleWorkers()).map((w) => [w.id, w.cpuTimeMs ?? 0]))
    await new Promise((r) => setTimeout(r, 500))
    const workers = await engine.sampleWorkers()
    const thread = workers.find((w) => w.executor === 'thread' && w.lane === 'cpu')!
    const proc = workers.find((w) => w.executor === 'process')!
    expect(thread.pid).toBe(process.pid)
    expect(thread.tid).not.toBe(process.pid)
    expect(proc.pid).not.toBe(process.pid)
    expect(proc.tid).toBe(proc.pid)
    for (const w of [thread, proc]) {
      expect(w.core).toBeGreaterThanOrEqual(0)
      expect(w.core).toBeLessThan(availableParallelism())
      expect(w.cpuTimeMs).toBeGreaterThan(0)
      // It kept burning CPU between the two samples (how much depends on the machine's load).
      expect(w.cpuTimeMs!).toBeGreaterThan(before.get(w.id)!)
      expect(w.cpuPercent).toBeGreaterThan(0)
      expect(w.jobIds).toHaveLength(1)
    }
    engine.cancel(jobIds)
  })

  it.runIf(linux && hasTaskset)('pins CPU workers to distinct cores on request', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2, pinning: true })
    const { jobIds } = await engine.submit({ template: { kind: 'sum-squares', params: { n: 4e9 } }, count: 2 })
    await until(() => engine.workers().filter((w) => w.pinnedCore !== null).length === 2, 10_000, 'pinned')
    const workers = engine.workers().filter((w) => w.lane === 'cpu')
    expect(new Set(workers.map((w) => w.pinnedCore)).size).toBe(2)
    for (const w of workers) {
      const affinity = execFileSync('taskset', ['-p', '-c', String(w.tid)], { encoding: 'utf8' })
      expect(affinity.trim().endsWith(`: ${w.pinnedCore}`)).toBe(true)
    }
    await new Promise((r) => setTimeout(r, 300))
    for (const w of await engine.sampleWorkers()) if (w.pinnedCore !== null) expect(w.core).toBe(w.pinnedCore)
    // Unpinning gives each worker every core again.
    engine.setLimits({ pinning: false })
    await until(() => engine.workers().every((w) => w.pinnedCore === null), 10_000, 'unpinned')
    const everyCore = Array.from({ length: availableParallelism() }, (_, i) => i).join(',')
    await until(
      () => workers.every((w) => execFileSync('taskset', ['-p', '-c', String(w.tid)], { encoding: 'utf8' }).trim().endsWith(`: ${everyCore}`)),
      10_000,
      'affinity restored',
    )
    engine.cancel(jobIds)
  })
})
