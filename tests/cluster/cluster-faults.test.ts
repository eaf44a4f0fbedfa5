// Faults on real parts: an agent's whole process group killed with SIGKILL mid-batch, Redis
// frozen (SIGSTOP/SIGCONT) and Redis killed and restarted (with AOF) mid-batch. In each, every
// job ends exactly once on the controller, and none is lost. The agents run with fast
// stalled-pack recovery (lock 1.5 s, stalled check every 0.5 s): a dead agent's packs are
// redelivered within lock + 2 × check ≈ 2.5 s (the defaults, 15 s + 2 × 5 s, bound it at 25 s).
import { afterEach, describe, expect, it } from 'vitest'
import { startCluster, until } from './harness.ts'

type Cluster = Awaited<ReturnType<typeof startCluster>>
let cluster: Cluster | null = null

afterEach(async () => {
  await cluster?.close()
  cluster = null
})

async function sleeps(c: Cluster, count: number, ms: number): Promise<number[]> {
  return (await c.engine.submit({ template: { kind: 'sleep', params: { ms } }, count })).jobIds
}

function expectAllOnce(c: Cluster, ids: number[]): void {
  const jobs = ids.map((id) => c.engine.getJob(id)!)
  expect(jobs.filter((j) => j.state !== 'succeeded').map((j) => `${j.id}: ${j.state} ${j.error?.message ?? ''}`)).toEqual([])
  expect(ids.filter((id) => c.settled.get(id) !== 1)).toEqual([])
}

describe('cluster faults', () => {
  it('kill -9 of an agent’s process group mid-batch: its jobs finish on the other agent', async () => {
    cluster = await startCluster({ agents: 2 })
    const c = cluster
    const ids = await sleeps(c, 40, 1000)
    const [victim, survivor] = c.agents
    const onVictim = (state: string) =>
      ids.filter((id) => c.engine.getJob(id)!.machine === victim!.name && c.engine.getJob(id)!.state === state)
    // Running there and started well within its sleep, so still running when the agent dies
    // (its end cannot be on its way already: an agent reports every 100 ms, and a pack's jobs
    // sleep side by side, so a whole pack's ends travel at once).
    const freshOnVictim = () => onVictim('running').filter((id) => Date.now() - c.engine.getJob(id)!.startedAt! < 400)
    await until(
      () => onVictim('succeeded').length >= 2 && freshOnVictim().length >= 1,
      20_000,
      'the victim ran some jobs and runs more',
    )
    const runningThere = freshOnVictim()
    expect(runningThere.length).toBeGreaterThan(0)
    const killedAt = Date.now()
    victim!.killGroup()
    await c.engine.whenSettled(ids)
    const recoveredIn = Date.now() - killedAt
    expectAllOnce(c, ids)
    // What ran on the victim when it died was redone on the survivor.
    for (const id of runningThere) expect(c.engine.getJob(id)!.machine).toBe(survivor!.name)
    // Bounded: lock 1.5 s + stalled checks, plus the rest of the batch on one agent (a few s).
    expect(recoveredIn).toBeLessThan(20_000)
  })

  it('Redis frozen (SIGSTOP) for longer than a pack lock, then thawed: carries on, every job once', async () => {
    cluster = await startCluster({ agents: 2 })
    const c = cluster
    const ids = await sleeps(c, 40, 200)
    await until(() => c.settled.size >= 8, 20_000, 'some jobs done')
    c.redis.signal('SIGSTOP')
    await new Promise((r) => setTimeout(r, 2500))
    c.redis.signal('SIGCONT')
    await c.engine.whenSettled(ids)
    expectAllOnce(c, ids)
  })

  it('Redis killed and restarted with AOF mid-batch: reconnects, nothing lost, every job once', async () => {
    cluster = await startCluster({ agents: 2, aof: true })
    const c = cluster
    const ids = await sleeps(c, 40, 200)
    await until(() => c.settled.size >= 8, 20_000, 'some jobs done')
    await c.redis.kill()
    await new Promise((r) => setTimeout(r, 1000))
    await c.redis.start()
    await c.engine.whenSettled(ids)
    expectAllOnce(c, ids)
  })
})
