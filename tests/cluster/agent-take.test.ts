// An agent (in this process, on a real Redis behind a slowed link) at the moment it takes a
// pack: it reads the controller's cancelled set before it runs the pack, and a cancel
// published while that read is in flight must still reach the pack. Before the fix the pack
// was registered for cancels only after the read: the cancel was lost, the job ran to its
// end, and a controller would have ended its whole cluster executor after the cancel grace.
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from '../../src/main/cluster/agent.ts'
import { KEYS, PREFIX, QUEUE, connectRedis } from '../../src/main/cluster/redis.ts'
import { parseAgentReport, type ControlMessage } from '../../src/shared/cluster.ts'
import { EV_DROPPED, EVENT_WIDTH } from '../../src/main/engine/worker/protocol.ts'
import { RedisServer, tempDir, until } from './harness.ts'
import { SlowLink } from './slow-link.ts'

let redis: RedisServer
let link: SlowLink
let agent: Agent
const lines: string[] = []

beforeAll(async () => {
  redis = await new RedisServer().start()
  link = await new SlowLink(redis.port).start()
  agent = new Agent({ redisUrl: link.url, name: 'taker', dataDir: tempDir('agent-take'), cpuSlots: 1, log: (l) => lines.push(l) })
  await agent.start()
}, 30_000)

afterAll(async () => {
  link.delayMs = 0
  await agent?.leave()
  await link?.stop()
  await redis?.stop()
}, 60_000)

describe('an agent taking a pack', () => {
  it('a cancel published while it reads the cancelled set stops the job (the pack ends at once, the job dropped)', async () => {
    const connection = connectRedis(redis.url, 'agent-take-test')
    const queue = new Queue(QUEUE, { connection, prefix: PREFIX })
    try {
      link.delayMs = 1000 // each of the agent's commands now reaches Redis a second late
      const pack = { v: 1, controller: 'ctltake', pack: 1, jobs: [[41, 'sleep', { ms: 6000 }, 1]] }
      const job = await queue.add('pack', pack, { jobId: 'take-1', attempts: 1 })
      // Taken (its move to active reached Redis); the agent now asks for the cancelled set,
      // a command that lands a second later. The cancel goes out meanwhile, its set unwritten.
      await until(async () => (await job.getState()) === 'active', 10_000, 'the pack to be taken')
      await new Promise((r) => setTimeout(r, 300))
      const cancel: ControlMessage = { t: 'cancel', controller: 'ctltake', ids: [41], reason: 'cancel' }
      await connection.publish(KEYS.control, JSON.stringify(cancel))
      link.delayMs = 0
      const t0 = Date.now()
      await until(async () => (await job.getState()) !== 'active', 5000, 'the pack to end before its 6 s job could')
      expect([await job.getState(), (await queue.getJob('take-1'))?.failedReason, lines]).toEqual(['completed', undefined, []])
      expect(Date.now() - t0).toBeLessThan(5000)
      const done = await queue.getJob('take-1')
      const report = parseAgentReport(done!.returnvalue)
      if (!report.ok) throw new Error(report.error)
      // No start and no success: left out (dropped) before the local engine ran it.
      const events: unknown[][] = []
      for (let i = 0; i < report.value.e.length; i += EVENT_WIDTH[report.value.e[i] as number]!)
        events.push(report.value.e.slice(i, i + EVENT_WIDTH[report.value.e[i] as number]!))
      expect(events).toEqual([[EV_DROPPED, 41]])
    } finally {
      await queue.close()
      await connection.quit()
    }
  }, 30_000)

  // leave() lets running packs finish for drainMs, then hands the rest back. The whole pack
  // used to go back, and the next agent ran its ended jobs again (the controller kept their
  // first end only): a shell job's side effects happened twice.
  it('a leaving agent hands back a pack cut down to the jobs that had not ended', async () => {
    await agent.leave() // the first agent leaves too: the pack handed back must stay in the queue
    const leaver = new Agent({
      redisUrl: redis.url,
      name: 'leaver',
      dataDir: tempDir('agent-leave'),
      cpuSlots: 1,
      drainMs: 300,
      log: (l) => lines.push(l),
    })
    await leaver.start()
    const connection = connectRedis(redis.url, 'agent-leave-test')
    const queue = new Queue(QUEUE, { connection, prefix: PREFIX })
    try {
      const pack = {
        v: 1,
        controller: 'ctlleave',
        pack: 1,
        jobs: [
          [51, 'noop', {}, 1],
          [52, 'sleep', { ms: 8000 }, 1],
        ],
      }
      const job = await queue.add('pack', pack, { jobId: 'leave-1', attempts: 1 })
      const states = () =>
        leaver.engine
          .listJobs({})
          .jobs.map((j) => `${j.kind} ${j.state}`)
          .sort()
      await until(() => states().join() === 'noop succeeded,sleep running', 10_000, 'the no-op done, the sleep running')
      await leaver.leave()
      expect(await job.getState()).toBe('waiting')
      const back = await queue.getJob('leave-1')
      expect(back!.data.jobs).toEqual([[52, 'sleep', { ms: 8000 }, 1]])
      expect(lines.filter((l) => !/^handing back 1 pack/.test(l))).toEqual([])
    } finally {
      await leaver.leave()
      await queue.obliterate({ force: true }).catch(() => {})
      await queue.close()
      await connection.quit()
    }
  }, 30_000)
})
