// The cluster plugged into the real engine through its public API (engine.addExecutor): the
// engine's own balancer, job state machine, stop control and retries drive a RemoteExecutor,
// and real agent processes run what does not fit on this machine's one CPU slot.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/main/engine/index.ts'
import { linkEngineToCluster, type EngineLink } from '../../src/main/cluster/engine-link.ts'
import { RedisServer, startAgent, tempDir, until, type AgentProcess } from './harness.ts'

let redis: RedisServer
let agents: AgentProcess[]
let engine: Engine
let link: EngineLink
const dataDir = tempDir('engine')
const settled = new Map<number, number>()

beforeAll(async () => {
  redis = await new RedisServer().start()
  agents = await Promise.all(['east', 'west'].map((name) => startAgent(redis.url, name, ['--cpu-slots', '1'])))
  engine = createEngine({ dataDir, cpuSlots: 1, ioConcurrency: 2, graceMs: 3000, retryBackoffMs: 100 })
  engine.onJobSettled((job) => settled.set(job.id, (settled.get(job.id) ?? 0) + 1))
  link = await linkEngineToCluster(engine, { redisUrl: redis.url, logDir: join(dataDir, 'logs'), reconcileMs: 500 })
  await until(() => link.directory.machines().length === 2, 10_000, 'both agents heard')
})

afterAll(async () => {
  await link?.close()
  await engine?.close()
  await Promise.all((agents ?? []).map((a) => a.stop()))
  await redis?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

it('the engine spreads a batch over its own slot and two agents, each job settled once', async () => {
  // CPU jobs of some milliseconds each: the balancer sends them one to a pack, so both agents get some.
  const { jobIds } = await engine.submit({ template: { kind: 'sum-squares', params: { n: 2e7 } }, count: 30 })
  await engine.whenSettled(jobIds)
  const jobs = jobIds.map((id) => engine.getJob(id)!)
  expect(
    jobs
      .filter((j) => j.state !== 'succeeded')
      .map((j) => `${j.id} ${j.state} ${j.attempts} ${j.error?.code}: ${j.error?.message}`),
  ).toEqual([])
  expect(jobIds.every((id) => settled.get(id) === 1)).toBe(true)
  const machines = new Set(jobIds.map((id) => link.machineOf(id)))
  expect(machines.has('east') && machines.has('west')).toBe(true)
  // Each job's view names the agent that ran it (a start and end often come in one report, so
  // the executor must still know it then), and a job run on this machine's slot names none.
  for (const job of jobs) expect(job.machine, `job ${job.id}`).toBe(link.machineOf(job.id))
  expect(jobs.some((j) => j.machine === null)).toBe(true)
  expect(jobs.some((j) => j.machine === 'east') && jobs.some((j) => j.machine === 'west')).toBe(true)
  // The engine lists the remote executor among its workers.
  expect(engine.workers().some((w) => w.id === link.executor().id)).toBe(true)
})

it('pausing the engine pauses the BullMQ queue for every agent, and resuming resumes it', async () => {
  engine.pause()
  await until(async () => link.executor().queue.isPaused(), 5000, 'the queue paused')
  engine.resume()
  await until(async () => !(await link.executor().queue.isPaused()), 5000, 'the queue resumed')
})

it('engine.cancel reaches a job running on an agent; a timeout too', async () => {
  // One CPU slot here: the rest of the long jobs go to the agents.
  const { jobIds } = await engine.submit({
    jobs: [
      { kind: 'sum-squares', params: { n: 5e10 } },
      { kind: 'sum-squares', params: { n: 5e10 } },
      { kind: 'sum-squares', params: { n: 5e10 }, timeoutMs: 400 },
    ],
  })
  await until(
    () => jobIds.filter((id) => engine.getJob(id)!.state === 'running' && link.machineOf(id)).length >= 1,
    20_000,
    'a remote job running',
  )
  await until(
    () => engine.getJob(jobIds[1]!)!.state === 'running' && link.machineOf(jobIds[1]!) !== null,
    20_000,
    'the second job running on an agent',
  )
  const remote = jobIds[1]!
  const asked = Date.now()
  engine.cancel([remote])
  engine.cancel(jobIds.filter((id) => id !== remote && !engine.getJob(id)!.timeoutMs))
  await engine.whenSettled(jobIds)
  const timed = jobIds.find((id) => engine.getJob(id)!.timeoutMs)!
  expect(engine.getJob(timed)!.state).toBe('timed-out')
  expect(engine.getJob(remote)!.state).toBe('cancelled')
  expect(engine.getJob(remote)!.error?.message).toBe('cancelled') // by the agent, not after the engine's grace
  expect(Date.now() - asked).toBeLessThan(2800)
  expect(jobIds.every((id) => settled.get(id) === 1)).toBe(true)
})

it('a job with a memory ceiling runs on an agent with that ceiling: over it, it fails as it does locally', async () => {
  // This machine's one CPU slot is held by a long job, so the ceiling jobs go to the agents.
  const { jobIds } = await engine.submit({
    jobs: [
      { kind: 'sum-squares', params: { n: 5e10 }, priority: 10 },
      { kind: 'alloc-until-oom', params: { chunkMb: 8 }, memoryMb: 64 },
      { kind: 'sum-squares', params: { n: 1000 }, memoryMb: 64 },
    ],
  })
  const [long, over, under] = jobIds as [number, number, number]
  await engine.whenSettled([over, under])
  expect(engine.getJob(long)!.machine).toBe(null)
  // Stopped by the agent's own ceiling (a worker of its own, started with the limit), and
  // reported with the local engine's code and words.
  expect(engine.getJob(over)).toMatchObject({
    state: 'failed',
    error: { code: 'out-of-memory', message: expect.stringMatching(/limit 64 MiB/) },
  })
  expect(['east', 'west']).toContain(engine.getJob(over)!.machine)
  expect(engine.getJob(under)!.state).toBe('succeeded')
  expect(['east', 'west']).toContain(engine.getJob(under)!.machine)
  engine.cancel([long])
  await engine.whenSettled([long])
  expect([over, under, long].every((id) => settled.get(id) === 1)).toBe(true)
})

// A remote job that timed out and is retried runs again in a new pack, under the same id. The
// cancelled set was keyed by job id alone: the agent that took the new pack found the old
// timeout and ended the new attempt at once, so every retry after a remote timeout was lost.
it('a remote job that timed out runs its retry for real (the old timeout is not found again)', async () => {
  // This machine's one CPU slot is held, so both attempts go to the agents.
  const [holder] = (await engine.submit({ jobs: [{ kind: 'sum-squares', params: { n: 5e10 }, priority: 10 }] })).jobIds
  await until(() => engine.getJob(holder!)!.state === 'running', 10_000, 'the local slot held')
  const [id] = (await engine.submit({ jobs: [{ kind: 'sum-squares', params: { n: 5e10 }, timeoutMs: 800, retries: 1 }] })).jobIds
  await engine.whenSettled([id!])
  const job = engine.getJob(id!)!
  expect([job.state, job.attempts, job.machine !== null]).toEqual(['timed-out', 2, true])
  // The second attempt ran on its agent until its own timeout, not ended as it arrived.
  expect(job.endedAt! - job.startedAt!).toBeGreaterThanOrEqual(600)
  engine.cancel([holder!])
  await engine.whenSettled([holder!])
})

// When an executor leaves, the link makes its replacement on the next turn of the loop. It
// asked whether it was closing when it scheduled that, not when it ran: a close() in between
// got a new executor made after it, whose Redis connection nothing closed.
it('a link closed just after its executor left makes no replacement', async () => {
  const otherDir = tempDir('engine-closing')
  const other = createEngine({ dataDir: otherDir, cpuSlots: 1 })
  const closing = await linkEngineToCluster(other, { redisUrl: redis.url, logDir: join(otherDir, 'logs'), reconcileMs: 500 })
  try {
    const first = closing.executor()
    await until(() => other.workers().some((w) => w.id === first.id && w.state === 'idle'), 5000, 'the executor ready')
    first.terminate() // it leaves at once; its replacement is due on the next turn
    await closing.close()
    await new Promise((r) => setTimeout(r, 200))
    expect(closing.executor()).toBe(first)
    expect(other.workers().map((w) => w.id)).toEqual([]) // no jobs ran here: no local worker either
  } finally {
    await other.close()
    rmSync(otherDir, { recursive: true, force: true })
  }
})
