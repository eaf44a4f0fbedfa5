// The RemoteExecutor alone, on a real Redis, through the Executor interface: this test plays
// the engine's role (it records what reaches ExecutorHooks), and a BullMQ Worker in the test
// plays a misbehaving agent (a stand-in at the Redis edge, named as such): it reports every
// job twice, or sends reports that are not valid. The executor must pass each job's start and
// end to the engine exactly once, and turn a bad report into a clear failure of its jobs,
// never a crash.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Queue, Worker } from 'bullmq'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { Executor } from '../../src/main/engine/executors/executor.ts'
import { createEngine } from '../../src/main/engine/index.ts'
import {
  EV_DONE,
  EV_DROPPED,
  EV_FAILED,
  EV_STARTED,
  EV_STARTED_ENDED,
  EVENT_WIDTH,
} from '../../src/main/engine/worker/protocol.ts'
import { Agent } from '../../src/main/cluster/agent.ts'
import { RemoteExecutor } from '../../src/main/cluster/remote-executor.ts'
import { parseAgentReport } from '../../src/shared/cluster.ts'
import { PREFIX, QUEUE, connectRedis } from '../../src/main/cluster/redis.ts'
import { RedisServer, tempDir, until } from './harness.ts'

let redis: RedisServer
const closers: (() => Promise<unknown> | void)[] = []

beforeAll(async () => {
  redis = await new RedisServer().start()
})
// Each test's agent stand-in leaves with it: the next test's packs are not its to take.
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})
afterAll(async () => redis.stop())

/** What the engine would see: every event, in order, and the bad reports (with the early reads). */
function engineStandIn() {
  const events: unknown[] = []
  const bad: string[] = []
  return {
    events,
    bad,
    hooks: {
      onHello: () => {},
      onEvents: (_e: Executor, batch: unknown[]) => events.push(...batch),
      onExit: () => {},
      onBadReport: (_pack: string, error: string) => bad.push(error),
      onEarlyRead: (_pack: string, note: string) => bad.push(note),
    },
    count(type: number, id: number): number {
      let n = 0
      for (let i = 0; i < events.length;) {
        const t = events[i] as number
        if (t === type && events[i + 1] === id) n++
        i += EVENT_WIDTH[t]!
      }
      return n
    },
  }
}

function executorFor(
  controller: string,
  engine: ReturnType<typeof engineStandIn>,
  reconcileMs = 300,
  eventsUrl?: string,
  logDir: string | null = null,
): RemoteExecutor {
  const connection = connectRedis(redis.url, 'test-controller')
  const eventsConnection = eventsUrl ? connectRedis(eventsUrl, 'test-events') : connection.duplicate()
  const executor = new RemoteExecutor({ id: 7, controller, connection, eventsConnection, logDir, reconcileMs }, engine.hooks)
  closers.push(async () => {
    await executor.close()
    connection.disconnect()
    eventsConnection.disconnect()
  })
  return executor
}

function agentStandIn(
  process: (data: { jobs: [number][] }, job: { updateProgress(p: object): Promise<void> }) => Promise<unknown>,
  onCompleted?: (packId: string) => void,
): void {
  const worker = new Worker(QUEUE, (job) => process(job.data, job), {
    connection: connectRedis(redis.url, 'test-agent'),
    prefix: PREFIX,
    concurrency: 4,
  })
  if (onCompleted) worker.on('completed', (job) => onCompleted(job.id!))
  closers.push(() => worker.close())
}

it('passes each job’s start and end once, though the agent reports them twice', async () => {
  const engine = engineStandIn()
  // No look-ups for a minute: every report here comes through BullMQ's events stream.
  const executor = executorFor('dup', engine, 60_000)
  agentStandIn(async ({ jobs }, job) => {
    const e: unknown[] = []
    for (const [id] of jobs)
      e.push(
        EV_STARTED,
        id,
        1000,
        EV_STARTED,
        id,
        1001,
        EV_DONE,
        id,
        1002,
        { ok: id },
        null,
        false,
        EV_DONE,
        id,
        1003,
        { again: id },
        null,
        false,
      )
    await job.updateProgress({ agent: 'twice', e })
    return { agent: 'twice', e: [...e] }
  })
  executor.run([
    [1, 'noop', {}, 1],
    [2, 'noop', {}, 1],
  ])
  executor.run([[3, 'noop', {}, 1]])
  await until(() => engine.count(EV_DONE, 3) > 0 && engine.count(EV_DONE, 1) > 0, 10_000, 'ends reported')
  await new Promise((r) => setTimeout(r, 500)) // the return values arrive too
  for (const id of [1, 2, 3]) {
    expect(engine.count(EV_STARTED, id) + engine.count(EV_STARTED_ENDED, id)).toBe(1)
    expect(engine.count(EV_DONE, id)).toBe(1)
  }
  // Settled and no longer held, but where it ran is still known (the engine asks as it applies the start).
  expect(executor.machineOf(1)).toBe('twice')
  expect(executor.machineOf(99)).toBe(null)
  expect(executor.inFlight()).toBe(0)
})

it('refuses a report that is not valid, names the field, and fails only that pack’s jobs', async () => {
  const engine = engineStandIn()
  const executor = executorFor('bad', engine)
  agentStandIn(async ({ jobs }) => {
    const id = jobs[0]![0]
    if (id === 10) return { agent: 'bad agent!', e: [] }
    if (id === 11) return { agent: 'ok', e: [EV_DONE, id, 'yesterday', null, null, false] }
    if (id === 13) return { agent: 'ok', e: { 0: EV_STARTED_ENDED, 1: id, 2: 5, length: 3 } }
    return { agent: 'ok', e: [EV_STARTED_ENDED, id, 5, EV_DONE, id, 6, 42, null, false] }
  })
  executor.run([[10, 'noop', {}, 1]])
  executor.run([[11, 'noop', {}, 1]])
  executor.run([[12, 'noop', {}, 1]])
  executor.run([[13, 'noop', {}, 1]])
  await until(
    () => [10, 11, 12, 13].every((id) => engine.count(EV_FAILED, id) + engine.count(EV_DONE, id) === 1),
    10_000,
    'all four ended',
  )
  expect(engine.count(EV_DONE, 12)).toBe(1)
  expect(engine.count(EV_FAILED, 10)).toBe(1)
  expect(engine.count(EV_FAILED, 11)).toBe(1)
  // Events that look like an array but are not one are refused too (they are taken as they are, not copied).
  expect(engine.count(EV_FAILED, 13)).toBe(1)
  expect(engine.bad.join('\n')).toMatch(/e: must be an array of events/)
  expect(engine.bad.join('\n')).toMatch(/agent: letters, digits/)
  expect(engine.bad.join('\n')).toMatch(/e: at index 2: expected number, got "yesterday"/)
})

it('a report with a log that is not valid leaves out that log only: every job’s end is applied, the other logs kept', async () => {
  const engine = engineStandIn()
  const logDir = tempDir('bad-log')
  closers.push(() => rm(logDir, { recursive: true, force: true }))
  const executor = executorFor('badlog', engine, 300, undefined, logDir)
  agentStandIn(async () => ({
    agent: 'ok',
    e: [EV_STARTED_ENDED, 30, 5, EV_DONE, 30, 6, 1, null, true, EV_STARTED_ENDED, 31, 5, EV_DONE, 31, 6, 2, null, true],
    // The first as an agent before e2e4523 could send it (an entry JSON made null of).
    logs: [null, [31, 'out\nerr\n', [4, 8]]],
  }))
  executor.run([
    [30, 'noop', {}, 1],
    [31, 'noop', {}, 1],
  ])
  await until(() => engine.count(EV_DONE, 30) + engine.count(EV_DONE, 31) === 2, 10_000, 'both ended')
  expect([engine.count(EV_FAILED, 30), engine.count(EV_FAILED, 31)]).toEqual([0, 0])
  expect(engine.bad).toEqual(['a log left out: logs[0]: expected Array, got null'])
  expect(await readFile(join(logDir, '31.log'), 'utf8')).toBe('out\nerr\n')
  await expect(readFile(join(logDir, '30.log'))).rejects.toThrow(/ENOENT/)
})

it('a log the controller cannot write does not hold back its job’s end: the jobs end, the failure is named', async () => {
  const engine = engineStandIn()
  const dir = tempDir('unwritable-log')
  closers.push(() => rm(dir, { recursive: true, force: true }))
  // The log folder's parent is a regular file: mkdir fails with ENOTDIR, a real failure of the
  // filesystem (as a full disk or a folder removed under the app would be).
  await writeFile(join(dir, 'file'), '')
  const executor = executorFor('nolog', engine, 300, undefined, join(dir, 'file', 'logs'))
  agentStandIn(async () => ({
    agent: 'ok',
    e: [EV_STARTED_ENDED, 40, 5, EV_DONE, 40, 6, 1, null, true, EV_STARTED_ENDED, 41, 5, EV_DONE, 41, 6, 2, null, true],
    logs: [
      [40, 'out 40\n'],
      [41, 'out 41\n'],
    ],
  }))
  executor.run([
    [40, 'noop', {}, 1],
    [41, 'noop', {}, 1],
  ])
  await until(() => engine.count(EV_DONE, 40) + engine.count(EV_DONE, 41) === 2, 10_000, 'both ended')
  expect([engine.count(EV_FAILED, 40), engine.count(EV_FAILED, 41)]).toEqual([0, 0])
  expect(engine.bad).toHaveLength(1)
  expect(engine.bad[0]).toMatch(/^2 log\(s\) not kept: ENOTDIR/)
})

it('a completed pack whose return value is not in Redis yet is read again, and its jobs are not lost', async () => {
  const engine = engineStandIn()
  // Its events stream is followed in an empty database (db 1): every event is missed, as
  // while Redis was away, so only the look-ups (every 1.5 s for a quiet pack) hear of the pack.
  const executor = executorFor('late', engine, 1500, `${redis.url}/1`)
  const reader = connectRedis(redis.url, 'test-reader')
  closers.push(() => reader.disconnect())
  // The stand-in agent ends the pack at once; then its return value is taken out of the pack's
  // hash (long before the first look-up), which is what a look-up that reads the job before
  // BullMQ sets it sees: the state says completed, the job's returnvalue is null.
  let removed: Promise<string | null> | null = null
  agentStandIn(
    async ({ jobs }) => {
      const id = jobs[0]![0]
      return { agent: 'late', e: [EV_STARTED_ENDED, id, 5, EV_DONE, id, 6, 42, null, false] }
    },
    (packId) => {
      const key = `${PREFIX}:${QUEUE}:${packId}`
      removed = reader.hget(key, 'returnvalue').then(async (text) => (await reader.hdel(key, 'returnvalue'), text))
    },
  )
  executor.run([[20, 'noop', {}, 1]])
  await until(() => engine.bad.some((b) => /reading it again/.test(b)), 15_000, 'a look-up that found no return value')
  expect(engine.count(EV_FAILED, 20)).toBe(0)
  expect(executor.inFlight()).toBe(1)
  // BullMQ's value lands: the next look-up reads it, and the job ends as its agent reported.
  const text = await removed!
  expect(text).toContain('"agent":"late"')
  await reader.hset(`${PREFIX}:${QUEUE}:late-1`, 'returnvalue', text!)
  await until(() => engine.count(EV_DONE, 20) === 1, 15_000, 'the job’s end read on a later look-up')
  expect(engine.count(EV_FAILED, 20)).toBe(0)
  expect(engine.bad.join('\n')).not.toMatch(/expected Object/)
})

it('applies a big pack’s report in slices, a turn of the loop each, every job once', async () => {
  const engine = engineStandIn()
  let deliveries = 0
  const onEvents = engine.hooks.onEvents
  engine.hooks.onEvents = (executor, batch) => {
    deliveries++
    return onEvents(executor, batch)
  }
  const executor = executorFor('big', engine, 60_000)
  agentStandIn(async ({ jobs }) => {
    const e: unknown[] = []
    for (const [id] of jobs) e.push(EV_STARTED_ENDED, id, 5, EV_DONE, id, 6, null, null, false)
    return { agent: 'big', e }
  })
  const jobs = Array.from({ length: 1000 }, (_, i) => [1000 + i, 'noop', {}, 1] as [number, string, object, number])
  executor.run(jobs as never)
  await until(() => jobs.every(([id]) => engine.count(EV_DONE, id) === 1), 10_000, 'every end applied')
  // 9,000 items of events, at most 2,048 a turn.
  expect(deliveries).toBeGreaterThanOrEqual(5)
  expect(executor.inFlight()).toBe(0)
})

// The cluster link makes a new executor each time one leaves (ended after a cancel's grace,
// say), on the same connection. Each used to leave its 'ready' listener on that connection,
// with itself in the closure, and its Queue open: a controller up for days held them all.
it('an executor that leaves takes its listener off the shared connection and closes its BullMQ objects', async () => {
  const connection = connectRedis(redis.url, 'test-controller')
  const listeners = () => connection.eventNames().reduce((n, name) => n + connection.listenerCount(name), 0)
  await connection.ping()
  const before = listeners()
  const exits: string[] = []
  try {
    for (let i = 0; i < 12; i++) {
      const eventsConnection = connection.duplicate()
      let hello!: () => void
      const ready = new Promise<void>((resolve) => (hello = resolve))
      const executor = new RemoteExecutor(
        { id: 20 + i, controller: `leaks-${i}`, connection, eventsConnection, logDir: null },
        { onHello: () => hello(), onEvents: () => {}, onExit: (_e, exit) => exits.push(exit.message) },
      )
      await ready
      executor.terminate()
      await executor.close()
      eventsConnection.disconnect()
    }
    expect(exits).toHaveLength(12)
    expect(listeners()).toBe(before)
  } finally {
    connection.disconnect()
  }
})

// Reports and losses are applied through one promise chain. A loss was added without a catch:
// when applying it threw, every report after it was skipped, and their jobs never ended.
it('a step that throws as it is applied does not stop the reports after it', async () => {
  const engine = engineStandIn()
  let refused = 0
  const onEvents = engine.hooks.onEvents
  engine.hooks.onEvents = (executor, batch) => {
    // The engine refuses the first batch it is given (the lost pack's failures): a stand-in.
    if (refused++ === 0) throw new Error('refused by the engine stand-in')
    return onEvents(executor, batch)
  }
  const executor = executorFor('throws', engine, 60_000) // no look-ups: only the events stream delivers
  agentStandIn(async ({ jobs }) => {
    const id = jobs[0]![0]
    if (id === 30) throw new Error('this pack fails on the agent')
    return { agent: 'ok', e: [EV_STARTED_ENDED, id, 5, EV_DONE, id, 6, null, null, false] }
  })
  executor.run([[30, 'noop', {}, 1]])
  await until(() => refused > 0, 10_000, 'the failed pack applied (and refused)')
  executor.run([[31, 'noop', {}, 1]])
  await until(() => engine.count(EV_DONE, 31) === 1, 10_000, 'the next pack’s job ended')
  expect(engine.bad.join('\n')).toMatch(/could not be applied: refused by the engine stand-in/)
})

/**
 * A real engine with no slots of its own (every job goes to the cluster) and a RemoteExecutor
 * added to it, a 400 ms cancel grace, no look-ups (only the events stream delivers); closed
 * after the test.
 */
function realEngineOnCluster(controller: string) {
  const dataDir = tempDir(controller)
  const engine = createEngine({ dataDir, cpuSlots: 0, graceMs: 400 })
  const connection = connectRedis(redis.url, 'test-controller')
  const eventsConnection = connection.duplicate()
  const executor = engine.addExecutor(
    (id, hooks) => new RemoteExecutor({ id, controller, connection, eventsConnection, logDir: null, reconcileMs: 60_000 }, hooks),
  ) as RemoteExecutor
  closers.push(async () => {
    await executor.close()
    await engine.close()
    connection.disconnect()
    eventsConnection.disconnect()
    await rm(dataDir, { recursive: true, force: true })
  })
  return { engine, executor, connection }
}

// A job whose agent does not stop it (the cancel lost, or ignored) used to make the engine end
// the whole remote executor after the grace: every other job it held was put back, and with
// no executor left they waited. The executor now lets go of that one job alone.
it('a remote job not stopped within the grace ends cancelled alone: the executor and its other jobs carry on', async () => {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  // The agent stand-in: reports each job started, ignores cancels, and ends them all when told.
  agentStandIn(async ({ jobs }, job) => {
    await job.updateProgress({ agent: 'deaf', e: jobs.flatMap(([id]) => [EV_STARTED, id, 1]) })
    await released
    return { agent: 'deaf', e: jobs.flatMap(([id]) => [EV_DONE, id, 2, null, null, false]) }
  })
  const { engine, executor } = realEngineOnCluster('forget')
  const { jobIds } = await engine.submit({ jobs: [0, 1].map(() => ({ kind: 'sum-squares', params: { n: 10 } })) })
  const [a, b] = jobIds as [number, number]
  const state = (id: number) => engine.getJob(id)!.state
  await until(() => state(a) === 'running' && state(b) === 'running', 10_000, 'both running on the agent')
  engine.cancel([a])
  await until(() => state(a) === 'cancelled', 5000, 'the job the agent ignores cancelled after the grace')
  expect(engine.getJob(a)!.error?.message).toMatch(/had not stopped it after the grace period/)
  expect(state(b)).toBe('running')
  expect(executor.exited).toBe(false)
  release()
  await until(() => state(b) === 'succeeded', 10_000, 'the other job ended by its agent')
  expect(engine.getJob(b)!.attempts).toBe(1)
  expect(state(a)).toBe('cancelled') // its late end from the agent is dropped
})

// The hand-off watchdog: a job whose pack no agent started within its timeout and the grace
// is marked stuck. The engine used to end the whole remote executor for it (putting back
// every other job it held); now the executor lets go of that job alone, and names it in the
// cancelled set with its pack, so the agent that takes that pack later leaves it out.
it('a pack not started within its job’s timeout: that job times out alone, and the agent that takes the pack later drops it', async () => {
  const { engine, executor, connection } = realEngineOnCluster('handoff')
  const queue = new Queue(QUEUE, { connection, prefix: PREFIX })
  closers.push(() => queue.close())
  // No agent yet: both packs wait in Redis.
  const { jobIds } = await engine.submit({
    jobs: [
      { kind: 'noop', timeoutMs: 300 },
      { kind: 'sum-squares', params: { n: 10 } },
    ],
  })
  const [a, b] = jobIds as [number, number]
  await until(() => engine.getJob(a)!.state === 'timed-out', 5000, 'the job whose start never came timed out')
  expect(executor.exited).toBe(false)
  expect(engine.getJob(b)!.state).toBe('queued') // still in its pack, on the same executor
  const agent = new Agent({ redisUrl: redis.url, name: 'late', dataDir: tempDir('late-agent'), cpuSlots: 1, log: () => {} })
  closers.push(() => agent.leave())
  await agent.start()
  await until(() => engine.getJob(b)!.state === 'succeeded', 10_000, 'the other job run by the agent')
  const mine = async () => (await queue.getCompleted(0, 1000)).filter((job) => job.id!.startsWith('handoff-'))
  await until(async () => (await mine()).length === 2, 10_000, 'both packs ended')
  const reports = (await mine()).map((job) => parseAgentReport(job.returnvalue))
  const events = reports.flatMap((report) => (report.ok ? [report.value.e] : []))
  expect(events).toContainEqual([EV_DROPPED, a])
  expect(engine.getJob(a)!.state).toBe('timed-out')
})
