// Fan-in: eight agent processes on this (2-core) machine take one batch from one Redis; every
// agent runs some of it, every job ends once, and `corelane agents` lists all eight.
import { afterAll, expect, it } from 'vitest'
import { runCli, startCluster } from './harness.ts'

let cluster: Awaited<ReturnType<typeof startCluster>> | null = null
afterAll(async () => cluster?.close())

it('eight agents share one batch', async () => {
  cluster = await startCluster({ agents: 8, fastRecovery: false })
  const c = cluster
  const { jobIds: ids } = await c.engine.submit({ template: { kind: 'sleep', params: { ms: 100 } }, count: 160 })
  await c.engine.whenSettled(ids)
  const jobs = ids.map((id) => c.engine.getJob(id)!)
  expect(jobs.every((j) => j.state === 'succeeded')).toBe(true)
  expect(ids.every((id) => c.settled.get(id) === 1)).toBe(true)
  const perAgent = new Map<string, number>()
  for (const j of jobs) perAgent.set(j.machine!, (perAgent.get(j.machine!) ?? 0) + 1)
  expect([...perAgent.keys()].sort()).toEqual(c.agents.map((a) => a.name).sort())
  const listed = await runCli(['agents', '--redis', c.redis.url, '--json'])
  expect(
    listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).name)
      .sort(),
  ).toEqual(c.agents.map((a) => a.name).sort())
}, 90_000)
