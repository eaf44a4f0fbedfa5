// The `clusterRedisUrl` setting, as web mode (and the desktop app) composes it: the API host
// over a real settings file, the real engine, and followClusterSetting wrapping the host's
// streams; a real redis-server (with a password) and a real agent process. Changing the setting
// through the API links, relinks and unlinks the running engine; a bad URL is refused naming
// the field; an unreachable Redis is a status with the reason, the engine runs on alone, and
// the link is made by itself once Redis is there.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ClusterLinkStatus, MachineView } from '../../src/shared/cluster.ts'
import type { CommandResponse, EventName } from '../../src/shared/contract.ts'
import { createEngine, type Engine } from '../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../src/main/host/api-host.ts'
import { openSettingsStore, type SettingsStore } from '../../src/main/host/settings-store.ts'
import { followClusterSetting, type ClusterSetting } from '../../src/main/cluster/cluster-setting.ts'
import { RedisServer, freePort, startAgent, tempDir, until, type AgentProcess } from './harness.ts'

const PASSWORD = 'set-in-a-test'
const dataDir = tempDir('setting')
let redis: RedisServer
let agent: AgentProcess | null = null
let engine: Engine
let settings: SettingsStore
let host: ApiHost
let cluster: ClusterSetting
const statuses: ClusterLinkStatus[] = []
const machineLists: MachineView[][] = []
const everything: string[] = []

beforeAll(async () => {
  // Not started yet: the setting first names a Redis that is not there.
  redis = new RedisServer({ conf: [`requirepass ${PASSWORD}`] })
  redis.port = await freePort()
  engine = createEngine({ dataDir, cpuSlots: 1, ioConcurrency: 2, graceMs: 3000 })
  settings = await openSettingsStore(dataDir)
  cluster = followClusterSetting({ engine, settings, logDir: join(dataDir, 'logs'), retryMs: 300, reconcileMs: 500 })
  host = cluster.wrap(createApiHost(engine, null, { settings, logDir: join(dataDir, 'logs') }))
  host.subscribe((event: EventName, payload: unknown) => {
    everything.push(JSON.stringify(payload))
    if (event === 'cluster') statuses.push(payload as ClusterLinkStatus)
    if (event === 'machines') machineLists.push(payload as MachineView[])
  })
})

afterAll(async () => {
  await cluster?.close()
  host?.close()
  await engine?.close()
  await agent?.stop()
  await redis?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const urlWithPassword = () => `redis://:${PASSWORD}@127.0.0.1:${redis.port}`
const call = (command: string, input: unknown) => host.handle(command, input)

async function machinesOf(count: number): Promise<(string | null)[]> {
  const { jobIds } = await engine.submit({ template: { kind: 'sum-squares', params: { n: 2e7 } }, count })
  await engine.whenSettled(jobIds)
  expect(jobIds.every((id) => engine.getJob(id)!.state === 'succeeded')).toBe(true)
  return jobIds.map((id) => engine.getJob(id)!.machine ?? null)
}

it('with no URL set, the status is off and every job runs here', async () => {
  await until(() => statuses.length > 0, 5000, 'a first status')
  expect(statuses.at(-1)).toEqual({ state: 'off', url: null, error: null })
  expect(new Set(await machinesOf(4))).toEqual(new Set([null]))
})

it('refuses a URL that is not redis:// or rediss://, naming the field, and keeps the file as it was', async () => {
  for (const bad of ['http://127.0.0.1:6379', 'not a url', 42]) {
    const answer = await call('updateSettings', { clusterRedisUrl: bad })
    expect(answer.ok).toBe(false)
    if (answer.ok) continue
    expect(answer.error.code).toBe('invalid-input')
    expect(answer.error.fields?.[0]?.field).toBe('clusterRedisUrl')
  }
  const answer = await call('updateSettings', { clusterRedisUrl: 'http://127.0.0.1:6379' })
  expect(!answer.ok && answer.error.fields?.[0]?.message).toMatch(/expected a redis:\/\/ or rediss:\/\/ URL, got http:/)
  expect(settings.get().clusterRedisUrl).toBe(null)
})

it('an unreachable Redis is a status naming the reason (password masked); jobs run here; the link is made once Redis is up', async () => {
  const answer = await call('updateSettings', { clusterRedisUrl: urlWithPassword() })
  expect(answer.ok).toBe(true)
  await until(() => statuses.at(-1)?.state === 'unreachable', 10_000, 'unreachable')
  expect(statuses.at(-1)!.error).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*ECONNREFUSED/)
  expect(statuses.at(-1)!.url).toBe(`redis://:***@127.0.0.1:${redis.port}`)
  // The engine was not held up: it runs jobs on its own slot meanwhile.
  expect(new Set(await machinesOf(2))).toEqual(new Set([null]))
  // Retries do not repeat the same status.
  const unreachable = statuses.filter((s) => s.state === 'unreachable').length
  await new Promise((r) => setTimeout(r, 1000))
  expect(statuses.filter((s) => s.state === 'unreachable').length).toBe(unreachable)

  await redis.start()
  agent = await startAgent(urlWithPassword(), 'east', ['--cpu-slots', '1'])
  await until(() => statuses.at(-1)?.state === 'linked', 10_000, 'linked after Redis came up')
  await until(() => machineLists.at(-1)?.some((m) => m.name === 'east') ?? false, 10_000, 'the agent among the machines')
  // The password is in the settings file only: never in an event or a getSettings answer.
  expect(everything.join('\n')).not.toContain(PASSWORD)
  const got = (await call('getSettings', {})) as CommandResponse<'getSettings'>
  expect(got.ok && got.value.settings.clusterRedisUrl).toBe(`redis://:***@127.0.0.1:${redis.port}`)
  expect(JSON.parse(readFileSync(settings.file, 'utf8')).clusterRedisUrl).toBe(urlWithPassword())
})

it('while linked, jobs beyond this machine’s slot run on the agent', async () => {
  const machines = await machinesOf(20)
  expect(machines).toContain('east')
  expect(machines).toContain(null)
})

it('the masked URL sent back stands for the saved password (no relink)', async () => {
  const link = cluster.link()
  const answer = await call('updateSettings', { clusterRedisUrl: `redis://:***@127.0.0.1:${redis.port}`, theme: 'dark' })
  expect(answer.ok).toBe(true)
  expect(settings.get().clusterRedisUrl).toBe(urlWithPassword())
  await cluster.settled()
  expect(cluster.link()).toBe(link)
  expect(cluster.status().state).toBe('linked')
})

it('clearing the URL unlinks the running engine: the machines list empties and jobs run here again', async () => {
  const answer = await call('updateSettings', { clusterRedisUrl: null })
  expect(answer.ok).toBe(true)
  await cluster.settled()
  expect(cluster.status()).toEqual({ state: 'off', url: null, error: null })
  await until(() => machineLists.at(-1)?.length === 0, 5000, 'an empty machines list')
  expect(new Set(await machinesOf(6))).toEqual(new Set([null]))
  // And set again: linked again, the agent runs jobs.
  await call('updateSettings', { clusterRedisUrl: urlWithPassword() })
  await until(() => cluster.status().state === 'linked', 10_000, 'linked again')
  expect(await machinesOf(20)).toContain('east')
})

it('a changed URL relinks: the old link closed, the new one used', async () => {
  const before = cluster.link()
  expect(before).not.toBe(null)
  // The same Redis by another name: a different URL, so a new link.
  const other = `redis://:${PASSWORD}@localhost:${redis.port}`
  expect((await call('updateSettings', { clusterRedisUrl: other })).ok).toBe(true)
  await cluster.settled()
  expect(cluster.status()).toEqual({ state: 'linked', url: `redis://:***@localhost:${redis.port}`, error: null })
  expect(cluster.link()).not.toBe(before)
  expect(await machinesOf(20)).toContain('east')
})
