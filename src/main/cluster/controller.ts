// Opens the controller's side of a cluster: checks Redis is there (a clear error within
// seconds if not), opens its connections, follows the agents' telemetry, and builds the
// RemoteExecutor. Until the engine's pool takes remote executors, a ClusterDriver plays the
// engine's part (see cluster-driver.ts); `corelane run --redis` and the tests use this.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import type { ControlMessage } from '../../shared/cluster.ts'
import { ClusterDriver, type DriverOptions } from './cluster-driver.ts'
import { ClusterDirectory } from './directory.ts'
import { RemoteExecutor } from './remote-executor.ts'
import { KEYS, connectRedis, probeRedis } from './redis.ts'

export interface ControllerOptions extends Partial<DriverOptions> {
  redisUrl: string
  logDir: string | null
  probeTimeoutMs?: number
  reconcileMs?: number
}

export interface Controller {
  id: string
  driver: ClusterDriver
  executor: RemoteExecutor
  directory: ClusterDirectory
  connection: Redis
  /** Changes CPU slots (or I/O concurrency) on one agent, or on every agent (null). */
  setAgentLimits(agent: string | null, limits: { cpuSlots?: number; ioConcurrency?: number }): Promise<void>
  close(): Promise<void>
}

/** A controller id: this host, this process, and random bits (several controllers may share a Redis). */
export function newControllerId(): string {
  const host = hostname().replace(/[^\w]/g, '_').slice(0, 40) || 'host'
  return `${host}.${process.pid}.${randomBytes(4).toString('hex')}`
}

export async function openController(options: ControllerOptions): Promise<Controller> {
  await probeRedis(options.redisUrl, options.probeTimeoutMs)
  const id = newControllerId()
  const connection = connectRedis(options.redisUrl, `corelane-controller-${id}`)
  const eventsConnection = connection.duplicate()
  const subscriber = connection.duplicate()
  for (const c of [connection, eventsConnection, subscriber]) c.on('error', () => {}) // they reconnect by themselves
  const directory = new ClusterDirectory(connection, subscriber)
  await directory.start()
  const driver = new ClusterDriver({ ...options, logDir: options.logDir })
  const executor = new RemoteExecutor(
    {
      id: 1,
      controller: id,
      connection,
      eventsConnection,
      logDir: options.logDir,
      packCapacity: () => directory.capacity(),
      reconcileMs: options.reconcileMs,
    },
    driver.hooks,
  )
  driver.attach(executor)
  return {
    id,
    driver,
    executor,
    directory,
    connection,
    async setAgentLimits(agent, limits) {
      const message: ControlMessage = { t: 'limits', agent, ...limits }
      await connection.publish(KEYS.control, JSON.stringify(message))
    },
    async close() {
      driver.close()
      // QueueEvents waits in a blocking read (up to 10 s): cut its connection first, so closing is quick.
      eventsConnection.disconnect()
      await executor.close()
      directory.close()
      await connection.quit().catch(() => connection.disconnect())
    },
  }
}
