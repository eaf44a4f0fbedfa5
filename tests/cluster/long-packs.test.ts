// Long packs are not prefetched: an agent takes two packs per CPU slot (one running, one
// arriving) only while its packs are short; a pack of long work (its kind's learned cost) is
// taken only when the agent can start it. Real parts: a real redis-server and two real agent
// processes with one CPU slot each, and the real engine linked to the cluster: the harness's,
// which runs nothing itself (as the bench's cluster rows' controller), and one that keeps a
// CPU slot here (as `corelane run --redis` does).
import { rm } from 'node:fs/promises'
import type { Job } from 'bullmq'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { linkEngineToCluster } from '../../src/main/cluster/engine-link.ts'
import { createEngine } from '../../src/main/engine/index.ts'
import { startCluster, tempDir } from './harness.ts'

let cluster: Awaited<ReturnType<typeof startCluster>>

beforeAll(async () => {
  // Default pack locks: on a loaded machine a short one can lapse and redo a long pack.
  cluster = await startCluster({ agents: 2, fastRecovery: false })
})

afterAll(async () => {
  await cluster?.close()
})

/** Long CPU jobs of one size, long enough that a pack held behind another shows. */
const LONG = { kind: 'sum-squares', params: { n: 3e8 } }

it('8 equal long CPU jobs over two 1-slot agents: 4 each, and no pack waits on an agent behind another', async () => {
  const { engine, link } = cluster
  const executor = link.executor()
  const submit = async (count: number) => (await engine.submit({ jobs: Array(count).fill(LONG) })).jobIds
  // Its cost learned first (a kind never measured is long anyway).
  await engine.whenSettled(await submit(2))
  const ids = await submit(8)
  await engine.whenSettled(ids)
  const views = ids.map((id) => engine.getJob(id)!)
  expect(views.every((j) => j.state === 'succeeded')).toBe(true)
  const per = new Map<string, number>()
  for (const j of views) per.set(j.machine!, (per.get(j.machine!) ?? 0) + 1)
  // 4 each on a quiet machine; other load here may slow one agent's worker for a while.
  expect(
    [...per.values()].every((n) => n >= 3),
    JSON.stringify([...per]),
  ).toBe(true)
  // When an agent took each pack (BullMQ's processedOn) against when its job started there: a
  // prefetched pack waits a whole job behind the running one.
  const packs: Job[] = await executor.queue.getJobs(['completed'])
  const takenAt = new Map<number, number>()
  for (const pack of packs) for (const [id] of pack.data.jobs as [number][]) takenAt.set(id, pack.processedOn!)
  for (const j of views) {
    const waited = j.startedAt! - takenAt.get(j.id)!
    expect(waited, `job ${j.id} waited ${waited} ms on ${j.machine}`).toBeLessThan(0.5 * (j.endedAt! - j.startedAt!))
  }
})

it('short packs keep their prefetch: once no-ops are known short they travel as short packs', async () => {
  const { engine, link } = cluster
  const executor = link.executor()
  const before = new Set((await executor.queue.getJobs(['completed'])).map((p) => p.id))
  const { jobIds: ids } = await engine.submit({ jobs: Array(2000).fill({ kind: 'noop' }) })
  await engine.whenSettled(ids)
  const packs = (await executor.queue.getJobs(['completed'])).filter((p) => !before.has(p.id))
  // Until a kind's first job ends its cost is not known: those first packs go as long, one
  // job each. Once learned, no-ops travel many to a pack, as short.
  const short = packs.filter((p) => !p.data.long)
  expect(packs.filter((p) => p.data.long).every((p) => p.data.jobs.length === 1)).toBe(true)
  expect(short.reduce((n, p) => n + p.data.jobs.length, 0)).toBeGreaterThan(ids.length / 2)
})

it('the engine linked to the cluster (`corelane run --redis`) sends long jobs as long packs, none waiting on an agent', async () => {
  const dataDir = tempDir('long-engine')
  const engine = createEngine({ dataDir, cpuSlots: 1, ioConcurrency: 1, retryBackoffMs: 100 })
  const link = await linkEngineToCluster(engine, { redisUrl: cluster.redis.url, logDir: null, reconcileMs: 500 })
  // The queue is shared with the tests above (their job ids overlap this engine's).
  const before = new Set((await link.executor().queue.getJobs(['completed'])).map((p) => p.id))
  try {
    await engine.whenSettled((await engine.submit({ jobs: [LONG] })).jobIds)
    const { jobIds } = await engine.submit({ template: LONG, count: 8 })
    await engine.whenSettled(jobIds)
    const remote = jobIds.filter((id) => link.machineOf(id) !== null)
    expect(remote.length).toBeGreaterThan(0)
    const packs = (await link.executor().queue.getJobs(['completed'])).filter(
      (p) => !before.has(p.id) && remote.includes(p.data.jobs[0][0]),
    )
    expect(packs.map((p) => p.data.jobs.length)).toEqual(remote.map(() => 1))
    expect(packs.every((p) => p.data.long === true)).toBe(true)
    for (const pack of packs) {
      const job = engine.getJob(pack.data.jobs[0][0])!
      const waited = job.startedAt! - pack.processedOn!
      expect(waited, `job ${job.id} waited ${waited} ms`).toBeLessThan(0.5 * (job.endedAt! - job.startedAt!))
    }
    // And short ones as short: a pack of many no-ops (their cost learned) keeps its prefetch.
    await engine.whenSettled((await engine.submit({ template: { kind: 'noop' }, count: 20 })).jobIds)
    const seen = new Set((await link.executor().queue.getJobs(['completed'])).map((p) => p.id))
    await engine.whenSettled((await engine.submit({ template: { kind: 'noop' }, count: 20_000 })).jobIds)
    const noops = (await link.executor().queue.getJobs(['completed'])).filter((p) => !seen.has(p.id))
    expect(noops.length).toBeGreaterThan(0)
    expect(noops.filter((p) => p.data.long).map((p) => p.data.jobs.length)).toEqual([])
  } finally {
    await link.close()
    await engine.close()
    await rm(dataDir, { recursive: true, force: true })
  }
})
