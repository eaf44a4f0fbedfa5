// The cluster on real parts: a real redis-server, two real agent processes (`corelane agent`,
// each with its own name and data folder), and the real engine linked to the cluster
// (`linkEngineToCluster`, as `corelane run --redis` links it) with no CPU slot and no I/O job
// of its own, so every job goes to the agents and the tests can count what they delivered.
// Plus the real CLI: `run --redis`, `agents`, and an unreachable Redis.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linkEngineToCluster, type EngineLink } from '../../src/main/cluster/engine-link.ts'
import { KEYS, connectRedis } from '../../src/main/cluster/redis.ts'
import { createEngine, type Engine } from '../../src/main/engine/index.ts'
import type { JobView } from '../../src/shared/job.ts'
import { RedisServer, countEnds, freePort, runCli, startAgent, tempDir, until, type AgentProcess } from './harness.ts'

let redis: RedisServer
let agents: AgentProcess[]
let engine: Engine
let link: EngineLink
let ends: Map<number, number>
const dataDir = tempDir('controller')
const settledTimes = new Map<number, number>()

async function submit(jobs: unknown[]): Promise<number[]> {
  return (await engine.submit({ jobs })).jobIds
}

function views(ids: number[]): JobView[] {
  return ids.map((id) => engine.getJob(id)!)
}

beforeAll(async () => {
  redis = await new RedisServer().start()
  agents = await Promise.all([
    startAgent(redis.url, 'alpha', ['--cpu-slots', '1']),
    startAgent(redis.url, 'beta', ['--cpu-slots', '1']),
  ])
  engine = createEngine({ dataDir, cpuSlots: 0, ioConcurrency: 0, graceMs: 3000, retryBackoffMs: 100 })
  ends = countEnds(engine)
  engine.onJobSettled((job) => settledTimes.set(job.id, (settledTimes.get(job.id) ?? 0) + 1))
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

describe('a cluster of two agents', () => {
  it('spreads a batch over both agents, each job settled once, with the agent that ran it', async () => {
    const ids = await submit(Array.from({ length: 24 }, (_, i) => ({ kind: 'sleep', params: { ms: 150 + (i % 3) * 10 } })))
    // A few of them, out of order and one twice, then the whole batch.
    const some = [ids[20]!, ids[3]!, ids[3]!, ids[11]!]
    await engine.whenSettled(some)
    expect(views(some).every((j) => j.state === 'succeeded')).toBe(true)
    await engine.whenSettled(ids)
    const done = views(ids)
    expect(done.every((j) => j.state === 'succeeded' && j.attempts === 1)).toBe(true)
    expect(new Set(done.map((j) => j.machine))).toEqual(new Set(['alpha', 'beta']))
    expect(ids.every((id) => settledTimes.get(id) === 1)).toBe(true)
    // And the executor handed the engine one end per job (the engine would drop a second one).
    expect(ids.filter((id) => ends.get(id) !== 1)).toEqual([])
  })

  it('spreads long jobs over both agents even after small jobs of the same kind taught it the kind is short', async () => {
    // The engine learns a cost per kind: tiny sum-squares first, then long ones. Packed as
    // short, all 8 would travel in one pack to one agent.
    await engine.whenSettled(await submit(Array.from({ length: 4 }, () => ({ kind: 'sum-squares', params: { n: 1000 } }))))
    const before = link.executor().packsSent()
    const ids = await submit(Array.from({ length: 8 }, () => ({ kind: 'sum-squares', params: { n: 3e7 } })))
    await engine.whenSettled(ids)
    expect(views(ids).every((j) => j.state === 'succeeded')).toBe(true)
    expect(link.executor().packsSent() - before).toBeGreaterThanOrEqual(4)
    expect(new Set(views(ids).map((j) => j.machine))).toEqual(new Set(['alpha', 'beta']))
  })

  it('packs short jobs: thousands of no-ops travel in a few BullMQ jobs, each settled once', async () => {
    const before = link.executor().packsSent()
    const ids = await submit(Array.from({ length: 3000 }, () => ({ kind: 'noop' })))
    await engine.whenSettled(ids)
    expect(
      views(ids)
        .filter((j) => j.state !== 'succeeded')
        .map((j) => `${j.id} ${j.state} ${j.error?.message}`),
    ).toEqual([])
    expect(ids.filter((id) => settledTimes.get(id) !== 1)).toEqual([])
    // Sized from the kind's measured cost (one a pack until it is known, then up to 512 a pack).
    expect(link.executor().packsSent() - before).toBeLessThan(60)
  })

  it('refuses a shell job on agents started without --allow-shell, with the reason', async () => {
    const [id] = await submit([{ kind: 'shell', params: { argv: ['true'] } }])
    await engine.whenSettled([id!])
    const job = engine.getJob(id!)!
    expect(job.state).toBe('failed')
    expect(job.error?.message).toMatch(/does not run shell jobs \(start it with --allow-shell\)/)
  })

  it('cancels a job while it runs on an agent', async () => {
    const [id] = await submit([{ kind: 'sum-squares', params: { n: 5e10 } }])
    await until(() => engine.getJob(id!)!.state === 'running', 20_000, 'the long job running remotely')
    const machine = engine.getJob(id!)!.machine
    expect(['alpha', 'beta']).toContain(machine)
    // The agent's telemetry names it, with the core its worker is on.
    await until(() => link.directory.machines().some((m) => m.jobs.some((j) => j.id === id)), 5000, 'telemetry shows the job')
    const asked = Date.now()
    engine.cancel([id!])
    await engine.whenSettled([id!])
    const job = engine.getJob(id!)!
    expect(job.state).toBe('cancelled')
    // Stopped by the agent (its abort signal), well before the engine's 3 s grace would have ended it.
    expect(Date.now() - asked).toBeLessThan(2500)
  })

  it('times out a remote job and retries a failing one with backoff, as on one machine', async () => {
    const [slow, missing] = await submit([
      { kind: 'sum-squares', params: { n: 5e10 }, timeoutMs: 300 },
      { kind: 'hash', params: { file: '/nonexistent/corelane-test' }, retries: 2 },
    ])
    await engine.whenSettled([slow!, missing!])
    expect(engine.getJob(slow!)!.state).toBe('timed-out')
    const failed = engine.getJob(missing!)!
    expect(failed.state).toBe('failed')
    expect(failed.attempts).toBe(3)
    expect(failed.error?.message).toMatch(/nonexistent/)
  })

  it('runs higher-priority jobs first when the agents are busy', async () => {
    engine.pause()
    const low = await submit(Array.from({ length: 6 }, () => ({ kind: 'sum-squares', params: { n: 2e7 }, priority: -5 })))
    const high = await submit(Array.from({ length: 6 }, () => ({ kind: 'sum-squares', params: { n: 2e7 }, priority: 5 })))
    engine.resume()
    await engine.whenSettled([...low, ...high])
    const meanStart = (ids: number[]) => views(ids).reduce((s, j) => s + j.startedAt!, 0) / ids.length
    expect(meanStart(high)).toBeLessThan(meanStart(low))
  })

  it('pauses the queue for every agent (BullMQ pause), and resumes it', async () => {
    engine.pause()
    await until(async () => link.executor().queue.isPaused(), 5000, 'the BullMQ queue paused')
    const ids = await submit(Array.from({ length: 4 }, () => ({ kind: 'sleep', params: { ms: 10 } })))
    await new Promise((r) => setTimeout(r, 800))
    expect(views(ids).every((j) => j.state === 'queued')).toBe(true)
    engine.resume()
    await until(async () => !(await link.executor().queue.isPaused()), 5000, 'the BullMQ queue resumed')
    await engine.whenSettled(ids)
    expect(views(ids).every((j) => j.state === 'succeeded')).toBe(true)
  })

  it('an agent survives bad messages: a control message and a pack that fail validation are refused by field', async () => {
    const publisher = connectRedis(redis.url, 'cluster-basics-test')
    await publisher.publish(KEYS.control, JSON.stringify({ t: 'cancel', ids: [1], reason: 'cancel' }))
    await publisher.publish(KEYS.control, 'not json')
    await publisher.quit()
    const { queue } = link.executor()
    const bad = await queue.add('pack', { v: 1, controller: 'x', pack: 1, jobs: [[1, 'noop', {}, -1]] }, { jobId: 'stray-1' })
    await until(async () => (await bad.getState()) === 'failed', 10_000, 'the bad pack failed')
    const failed = await queue.getJob('stray-1')
    expect(failed!.failedReason).toMatch(/refused pack stray-1: jobs\[0\]\[3\]: expected >=0/)
    await until(
      () => agents.some((a) => /ignored a control message: controller: is required/.test(a.output())),
      5000,
      'the agent logged the refusal',
    )
    expect(agents.some((a) => /ignored a control message: not JSON/.test(a.output()))).toBe(true)
    // Both agents are still there and still work.
    const ids = await submit([{ kind: 'noop' }, { kind: 'noop' }])
    await engine.whenSettled(ids)
    expect(views(ids).every((j) => j.state === 'succeeded')).toBe(true)
    expect(agents.every((a) => a.child.exitCode === null)).toBe(true)
  })

  it('changes CPU slots on one agent from the controller', async () => {
    await link.setAgentLimits('beta', { cpuSlots: 3 })
    await until(() => link.directory.machines().find((m) => m.name === 'beta')?.cpuSlots === 3, 5000, 'beta has 3 slots')
    const beta = link.directory.machines().find((m) => m.name === 'beta')!
    expect(beta.concurrency).toBe(6)
    expect(link.directory.machines().find((m) => m.name === 'alpha')!.cpuSlots).toBe(1)
    // The same from the CLI, for every agent.
    const changed = await runCli(['agents', '--redis', redis.url, '--cpu-slots', '2', '--json'])
    expect(changed.code).toBe(0)
    expect(
      changed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).cpuSlots),
    ).toEqual([2, 2])
    await link.setAgentLimits(null, { cpuSlots: 1 })
    await until(() => link.directory.machines().every((m) => m.cpuSlots === 1), 5000, 'back to 1 slot')
  })
})

describe('the CLI against the cluster', () => {
  it('`corelane run --redis --json` names the agent of every job, and `corelane agents --json` lists them', async () => {
    const batch = join(tempDir('batch'), 'b.json')
    writeFileSync(batch, JSON.stringify({ name: 'cli', template: { kind: 'sleep', params: { ms: 100 } }, count: 8 }))
    const dataDir = tempDir('cli')
    const run = await runCli(['run', batch, '--json', '--data-dir', dataDir], { CORELANE_REDIS_URL: redis.url })
    expect(run.code).toBe(0)
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const jobs = lines.filter((l) => !l.summary)
    expect(jobs).toHaveLength(8)
    // The controller's machine keeps one I/O job of its own: its jobs name it.
    expect(jobs.every((j) => ['alpha', 'beta', hostname()].includes(j.agent))).toBe(true)
    expect(jobs.some((j) => ['alpha', 'beta'].includes(j.agent))).toBe(true)
    expect(lines.at(-1).summary.succeeded).toBe(8)
    // Recorded once each in the data folder's job database, like a local run.
    const history = await runCli(['history', '--data-dir', dataDir, '--format', 'json'])
    const rows = JSON.parse(history.stdout) as { id: number; state: string }[]
    expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(jobs.map((j) => j.id).sort((a, b) => a - b))
    expect(rows.every((r) => r.state === 'succeeded')).toBe(true)
    const listed = await runCli(['agents', '--redis', redis.url, '--json'])
    expect(listed.code).toBe(0)
    const names = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).name)
    expect(names).toEqual(['alpha', 'beta'])
  })

  it('an unreachable Redis is a clear error within seconds, exit code 2, for run and agent', async () => {
    const port = await freePort()
    const batch = join(tempDir('batch'), 'b.json')
    writeFileSync(batch, JSON.stringify({ jobs: [{ kind: 'noop' }] }))
    const run = await runCli(['run', batch, '--redis', `redis://127.0.0.1:${port}`])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(new RegExp(`cannot reach Redis at redis://127.0.0.1:${port}.*ECONNREFUSED`))
    expect(run.stderr).not.toMatch(/\n\s+at /) // no stack trace
    const agent = await runCli(['agent', '--redis', `redis://127.0.0.1:${port}`, '--name', 'nowhere'])
    expect(agent.code).toBe(2)
    expect(agent.stderr).toMatch(/cannot reach Redis/)
    expect(Math.max(run.ms, agent.ms)).toBeLessThan(15_000)
  })
})

describe('agents that leave, and one that runs scripts', () => {
  it('keeps a remote job’s log under the controller’s data folder', async () => {
    const script = join(tempDir('script'), 'logs.mjs')
    writeFileSync(script, 'export default async (input, ctx) => { ctx.log("hello from " + input.who); return 1 }\n')
    // Script jobs are refused too without --allow-script: the reason says so.
    const [id] = await submit([{ kind: 'script', params: { module: script, input: { who: 'x' } } }])
    await engine.whenSettled([id!])
    expect(engine.getJob(id!)!.error?.message).toMatch(/--allow-script/)
    // The two agents leave (SIGTERM: clean exit, gone from the agents hash); one that runs scripts joins.
    expect(await Promise.all(agents.map((a) => a.stop()))).toEqual([0, 0])
    await until(() => link.directory.machines().length === 0, 5000, 'alpha and beta gone')
    agents.push(await startAgent(redis.url, 'gamma', ['--cpu-slots', '1', '--allow-script']))
    await until(() => link.directory.machines().length === 1, 10_000, 'gamma heard')
    const again = await submit(
      Array.from({ length: 6 }, () => ({ kind: 'script', params: { module: script, input: { who: 'agent' } } })),
    )
    await engine.whenSettled(again)
    const jobs = views(again)
    expect(jobs.every((j) => j.state === 'succeeded' && j.machine === 'gamma')).toBe(true)
    expect(readFileSync(jobs[0]!.logFile!, 'utf8')).toContain('hello from agent')
  })
})
