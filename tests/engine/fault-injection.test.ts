// Fault injection: a batch of 1,000 mixed jobs while worker threads and processes are killed
// at random. Every job ends in exactly one terminal state, none is reported succeeded twice,
// none goes missing, and the engine keeps serving afterwards.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isTerminal } from '../../src/shared/job.ts'
import { makeEngine, sleep } from './fixture.ts'

describe('fault injection', () => {
  it('1,000 mixed jobs survive random kills of threads and processes', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2, ioConcurrency: 50, retryBackoffMs: 5 })
    // A seeded mix so a failure can be replayed.
    const seed = Date.now() % 100_000
    const rng = fc.sample(fc.integer({ min: 0, max: 5 }), { numRuns: 1000, seed })
    const jobs = rng.map((pick, i) => {
      switch (pick) {
        case 0:
          return { name: `squares ${i}`, kind: 'sum-squares', params: { n: 200_000 + i }, retries: 5 }
        case 1:
          return { name: `squares-p ${i}`, kind: 'sum-squares', params: { n: 200_000 + i }, executor: 'process' as const, retries: 5 }
        case 2:
          return { name: `sleep ${i}`, kind: 'sleep', params: { ms: 20 }, retries: 5 }
        case 3:
          return { name: `primes ${i}`, kind: 'primes', params: { limit: 50_000 }, retries: 5 }
        case 4:
          return { name: `noop ${i}`, kind: 'noop', params: {}, retries: 5 }
        default:
          return { name: `shell ${i}`, kind: 'shell', params: { argv: ['true'] }, retries: 5 }
      }
    })
    const settledTimes = new Map<number, number>()
    const successes = new Map<number, number>()
    engine.onJobSettled((job) => {
      settledTimes.set(job.id, (settledTimes.get(job.id) ?? 0) + 1)
      if (job.state === 'succeeded') successes.set(job.id, (successes.get(job.id) ?? 0) + 1)
    })
    const { jobIds } = await engine.submit({ name: 'chaos', jobs })
    let kills = 0
    let done = false
    // Kills follow progress, not the clock (one every ~20 settled jobs, at most 50), so the
    // chaos per job is the same on a fast machine and on a loaded CI runner.
    const killer = (async () => {
      const pick = fc.sample(fc.nat(), { numRuns: 10_000, seed: seed + 1 })
      let i = 0
      let lastKillAt = 0
      while (!done && kills < 50) {
        await sleep(5)
        if (settledTimes.size - lastKillAt < 15 + (pick[i++ % pick.length]! % 10)) continue
        const workers = engine.workers().filter((w) => w.state === 'busy')
        if (workers.length === 0) continue
        const victim = workers[pick[i++ % pick.length]! % workers.length]!
        lastKillAt = settledTimes.size
        if (victim.executor === 'process' && victim.pid && pick[i % pick.length]! % 2 === 0) {
          try {
            process.kill(victim.pid, 'SIGKILL')
            kills++
          } catch {
            // already gone
          }
        } else if (engine.killWorker(victim.id)) kills++
      }
    })()
    await engine.whenSettled(jobIds)
    done = true
    await killer
    expect(kills, `seed ${seed}`).toBeGreaterThanOrEqual(20)
    for (const id of jobIds) {
      const job = engine.getJob(id)
      expect(job, `job ${id} missing (seed ${seed})`).toBeDefined()
      expect(isTerminal(job!.state)).toBe(true)
      expect(settledTimes.get(id), `job ${id} settled ${settledTimes.get(id)} times (seed ${seed})`).toBe(1)
      expect(successes.get(id) ?? 0).toBeLessThanOrEqual(1)
    }
    const stats = engine.stats().counts
    expect(stats.succeeded + stats.failed).toBe(1000)
    // With five retries each, nearly every job gets through the chaos.
    expect(stats.succeeded).toBeGreaterThan(950)
    expect((await engine.run({ kind: 'sum-squares', params: { n: 10 } })).result).toEqual({ sum: '285', n: 10 })
  })
})
