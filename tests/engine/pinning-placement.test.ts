// Issue #13 item 4 on real worker threads and taskset: after the CPU slots change while
// pinned, the workers still running jobs end on distinct cores. Each thread's affinity is read
// back from the kernel (/proc/<pid>/task/<tid>/status, Cpus_allowed_list), not from the engine.
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { availableParallelism, platform } from 'node:os'
import { describe, expect, it } from 'vitest'
import type { WorkerView } from '../../src/shared/job.ts'
import { makeEngine, sleep, until } from './fixture.ts'

let hasTaskset = false
try {
  execFileSync('taskset', ['-V'])
  hasTaskset = true
} catch {
  hasTaskset = false
}

async function allowedCores(worker: WorkerView): Promise<string | null> {
  try {
    const status = await readFile(`/proc/${worker.pid}/task/${worker.tid}/status`, 'utf8')
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? null
  } catch {
    return null
  }
}

describe('pinning placement', () => {
  it.runIf(platform() === 'linux' && hasTaskset && availableParallelism() >= 2)(
    'keeps the busy workers on distinct cores when a worker retires after the CPU slots shrink',
    async () => {
      const cores = availableParallelism()
      const { engine } = await makeEngine({ cpuSlots: cores + 1, pinning: true })
      // One long job per slot: with one worker more than cores, two workers share a core.
      const { jobIds } = await engine.submit({
        template: { kind: 'sum-squares', params: { n: 4e9 }, executor: 'thread' },
        count: cores + 1,
      })
      const cpuWorkers = (): WorkerView[] => engine.workers().filter((w) => w.lane === 'cpu' && w.state !== 'stopping')
      await until(
        () => jobIds.every((id) => engine.getJob(id)!.state === 'running') && cpuWorkers().every((w) => w.pinnedCore !== null),
        20_000,
        'every job running on a pinned worker',
      )
      engine.setLimits({ cpuSlots: cores })
      // End the job of a worker that has a core to itself: that worker is now beyond the slots
      // and retires, leaving its core free while two busy workers share another.
      const workers = cpuWorkers()
      const alone = workers.find((w) => workers.filter((o) => o.pinnedCore === w.pinnedCore).length === 1)!
      expect(alone).toBeDefined()
      engine.cancel(alone.jobIds)
      await until(() => !engine.workers().some((w) => w.id === alone.id), 20_000, 'the idle worker to leave')

      // Read the kernel's affinity of each remaining busy worker until they settle (taskset is
      // asynchronous), then require one distinct single core each.
      const deadline = Date.now() + 10_000
      let affinities: (string | null)[]
      for (;;) {
        const busy = cpuWorkers().filter((w) => w.jobIds.length > 0)
        expect(busy).toHaveLength(cores)
        affinities = await Promise.all(busy.map(allowedCores))
        if (new Set(affinities).size === cores && affinities.every((a) => a !== null && /^\d+$/.test(a))) break
        if (Date.now() > deadline) break
        await sleep(50)
      }
      expect(new Set(affinities).size, `affinities ${affinities.join(' / ')}`).toBe(cores)
      for (const affinity of affinities) expect(affinity).toMatch(/^\d+$/)
      // The engine's view agrees with the kernel.
      const busy = cpuWorkers().filter((w) => w.jobIds.length > 0)
      for (const [i, worker] of busy.entries()) expect(String(worker.pinnedCore)).toBe(affinities[i])
      engine.cancel(jobIds)
    },
    60_000,
  )
})
