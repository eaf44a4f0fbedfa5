// Plugs a cluster into an engine through its public API: the engine's pool takes a
// RemoteExecutor (engine.addExecutor), its balancer fills it once this machine's own slots are
// taken, and its job state machine, retries, timeouts and store treat remote jobs like local
// ones (each job's one terminal state recorded once). If the engine ends that executor (a job
// ignored its abort signal past the grace period: the engine ends the executor it ran on, and
// puts the other jobs back), a fresh one takes its place at once. `corelane run --redis`,
// `corelane serve --redis`, the desktop app, the cluster tests and the cluster bench all link
// an engine this way: there is no other controller.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import type { ControlMessage } from '../../shared/cluster.ts'
import type { Engine } from '../engine/index.ts'
import type { Executor } from '../engine/executors/executor.ts'
import { ClusterDirectory } from './directory.ts'
import { RecentMap } from './recent-map.ts'
import { RemoteExecutor } from './remote-executor.ts'
import { KEYS, connectRedis, probeRedis } from './redis.ts'

export interface EngineLinkOptions {
  redisUrl: string
  /** Where logs shipped back by agents go (the engine's `<dataDir>/logs`). */
  logDir: string | null
  reconcileMs?: number
  probeTimeoutMs?: number
}

export interface EngineLink {
  directory: ClusterDirectory
  /** The agent that ran (or runs) a job, for jobs that went to the cluster. */
  machineOf(jobId: number): string | null
  /** The remote executor in use now. */
  executor(): RemoteExecutor
  setAgentLimits(agent: string | null, limits: { cpuSlots?: number; ioConcurrency?: number }): Promise<void>
  /** Close it before the engine: an engine that closes ends its executors, and the link would replace this one. */
  close(): Promise<void>
}

/** How many job → machine entries are kept (the newest; enough for the window and the CLI's lines). */
const PLACEMENTS_KEPT = 200_000

/** A controller id: this host, this process, and random bits (several controllers may share a Redis). */
function newControllerId(): string {
  const host = hostname().replace(/[^\w]/g, '_').slice(0, 40) || 'host'
  return `${host}.${process.pid}.${randomBytes(4).toString('hex')}`
}

export async function linkEngineToCluster(engine: Engine, options: EngineLinkOptions): Promise<EngineLink> {
  await probeRedis(options.redisUrl, options.probeTimeoutMs)
  const controller = newControllerId()
  const connection: Redis = connectRedis(options.redisUrl, `corelane-controller-${controller}`)
  const subscriber = connection.duplicate()
  const connections = [connection, subscriber]
  for (const c of connections) c.on('error', () => {}) // they reconnect by themselves
  const directory = new ClusterDirectory(connection, subscriber)
  await directory.start()
  const placements = new RecentMap<number, string>(PLACEMENTS_KEPT)
  let current: RemoteExecutor | null = null
  let closing = false

  const add = (): void => {
    engine.addExecutor((id, hooks): Executor => {
      const eventsConnection = connection.duplicate()
      eventsConnection.on('error', () => {})
      connections.push(eventsConnection)
      const executor = new RemoteExecutor(
        {
          id,
          // Each executor its own pack ids and cancel set: a replacement never meets its predecessor's packs.
          controller: `${controller}.${id}`,
          connection,
          eventsConnection,
          logDir: options.logDir,
          packCapacity: () => directory.capacity(),
          reconcileMs: options.reconcileMs,
        },
        {
          onHello: hooks.onHello,
          onEvents: hooks.onEvents,
          onPlacement: (_executor, jobId, machine) => placements.set(jobId, machine),
          // A refused report (its jobs fail with the reason) or a log left out of one: the process's own record.
          onBadReport: (packId, error) => console.warn(`corelane: cluster pack ${packId}: ${error}`),
          onExit: (executor, exit) => {
            hooks.onExit(executor, exit)
            eventsConnection.disconnect()
            const at = connections.indexOf(eventsConnection)
            if (at >= 0) connections.splice(at, 1)
            // Asked as the replacement is made, not now: close() may come in between, and an
            // executor made after it would hold a Redis connection nothing closes.
            setImmediate(() => {
              if (!closing) add()
            })
          },
        },
      )
      current = executor
      return executor
    })
  }
  add()
  // The engine paused (the toolbar, the API): the BullMQ queue too, so no agent starts a pack
  // already in Redis (BullMQ's pause is the whole queue's: every controller sharing it).
  let paused = false
  const followPause = (next: boolean) => {
    if (next === paused) return
    paused = next
    void (paused ? current?.queue.pause() : current?.queue.resume())?.catch(() => {})
  }
  followPause(engine.stats().paused)
  // Only the stats are read: a window of no jobs, so the feed builds no job views for the link
  // (with every job's, it built up to 5,000 views a delivery while remote jobs flowed).
  const unsubscribe = engine.subscribe(
    (changes) => {
      if (changes.stats) followPause(changes.stats.paused)
    },
    { newestJobs: 0 },
  )

  return {
    directory,
    machineOf: (jobId) => placements.get(jobId) ?? null,
    executor: () => current!,
    async setAgentLimits(agent, limits) {
      const message: ControlMessage = { t: 'limits', agent, ...limits }
      await connection.publish(KEYS.control, JSON.stringify(message))
    },
    async close() {
      closing = true
      unsubscribe()
      // Cut QueueEvents' blocking reads first, so closing does not wait for them to time out.
      for (const c of connections.slice(2)) c.disconnect()
      await current?.close()
      directory.close()
      await connection.quit().catch(() => connection.disconnect())
    },
  }
}
