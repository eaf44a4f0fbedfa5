// Redis connections for the cluster, and the names of its keys. BullMQ 6 ships no Redis
// driver and cannot `require` one from native ESM, so Corelane builds its ioredis clients
// here and hands them to Queue, Worker and QueueEvents (which duplicate them as they need).
import { readFile } from 'node:fs/promises'
import { Redis, type RedisOptions } from 'ioredis'

/** BullMQ's key prefix and queue name: every BullMQ key is `corelane:jobs:…`. */
export const PREFIX = 'corelane'
export const QUEUE = 'jobs'
export const KEYS = {
  /** Hash: agent name → its last telemetry (JSON). */
  agents: `${PREFIX}:agents`,
  /** Pub/sub: cancel and limits messages for every agent. */
  control: `${PREFIX}:control`,
  /** Pub/sub: each agent's telemetry, every second. */
  telemetry: `${PREFIX}:telemetry`,
  /** Set: the jobs a controller cancelled, each in its pack (cancelMember), read by an agent when it takes a pack. */
  cancelled: (controller: string) => `${PREFIX}:cancelled:${controller}`,
} as const

/**
 * A cancelled job in the controller's set: by pack as well as id. A job runs again under its
 * id (a retry after a timeout, or the user's), in a new pack: keyed by id alone, the agent
 * that took the new pack found the old cancel and ended the new attempt at once.
 */
export const cancelMember = (packId: string, jobId: number, reason: 'cancel' | 'timeout'): string =>
  `${packId}/${jobId}:${reason}`

/** A Redis that cannot be reached at start, or is too old: the CLI exits with code 2. */
export class ClusterConnectError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClusterConnectError'
  }
}

/** The URL without its password, for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return '(an unreadable URL)'
  }
}

function checkUrl(url: string): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ClusterConnectError(
      `--redis: not a URL: ${JSON.stringify(url)} (expected redis://[user:password@]host[:port][/db] or rediss://…)`,
    )
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ClusterConnectError(`--redis: expected a redis:// or rediss:// URL, got ${parsed.protocol}//`)
  }
}

/** Where a private CA for rediss:// comes from (`--redis-ca FILE` sets it for the CLI). */
export const REDIS_CA_ENV = 'CORELANE_REDIS_CA'
/** CA files read so far, by path (read once, off the main thread, by probeRedis). */
const caFiles = new Map<string, string>()

async function loadCa(url: string): Promise<void> {
  const file = process.env[REDIS_CA_ENV]
  if (!file || !url.startsWith('rediss:') || caFiles.has(file)) return
  try {
    caFiles.set(file, await readFile(file, 'utf8'))
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new ClusterConnectError(`${REDIS_CA_ENV} (--redis-ca): cannot read ${file}: ${e.code ?? e.message}`)
  }
}

/**
 * TLS for rediss://: ioredis checks the server's certificate against Node's CAs (the system's,
 * plus NODE_EXTRA_CA_CERTS), or only against the CA file named by CORELANE_REDIS_CA.
 */
function tlsOptions(url: string): RedisOptions {
  const file = process.env[REDIS_CA_ENV]
  if (!file || !url.startsWith('rediss:')) return {}
  const ca = caFiles.get(file)
  if (ca === undefined) throw new ClusterConnectError(`${REDIS_CA_ENV}: ${file} is not read yet (probeRedis reads it)`)
  return { tls: { ca: [ca] } }
}

/**
 * A long-lived client: retries every command until Redis is back (maxRetriesPerRequest null,
 * what BullMQ requires for workers) and queues commands while it is away (offline queue), so
 * a Redis restart pauses the cluster instead of failing its jobs. `rediss://` turns TLS on
 * and the URL carries the ACL user and password.
 */
export function connectRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  checkUrl(url)
  return new Redis(url, {
    ...tlsOptions(url),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    connectionName: name,
    // Reconnect fast at first, then every 2 s at most: a restarted Redis is found within 2 s.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    ...extra,
  })
}

/**
 * Reaches Redis once, with no retries, before anything is built on it: an unreachable or
 * refusing Redis is a clear error within `timeoutMs`, never a hang. Also checks the version
 * BullMQ needs (6.2 or later).
 */
export async function probeRedis(url: string, timeoutMs = 3000): Promise<{ version: string }> {
  checkUrl(url)
  await loadCa(url)
  const client = new Redis(url, {
    ...tlsOptions(url),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 0, // the race below times it out (ioredis's own timer would hold the process open after a failure)
    retryStrategy: () => null,
  })
  // ioredis reports the cause (ECONNREFUSED, ENOTFOUND, WRONGPASS…) here; connect() only says "closed".
  let cause: Error | null = null
  client.on('error', (error: Error) => (cause ??= error))
  let timer: NodeJS.Timeout | undefined
  try {
    const attempt = (async () => {
      await client.connect()
      const info = await client.info('server')
      return /redis_version:([\d.]+)/.exec(info)?.[1] ?? /valkey_version:([\d.]+)/.exec(info)?.[1] ?? '0'
    })()
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    })
    const version = await Promise.race([attempt, timeout])
    const [major = 0, minor = 0] = version.split('.').map(Number)
    if (major < 6 || (major === 6 && minor < 2)) {
      throw new ClusterConnectError(`Redis at ${safeUrl(url)} is version ${version}; BullMQ needs 6.2 or later`)
    }
    return { version }
  } catch (error) {
    if (error instanceof ClusterConnectError) throw error
    const e = (cause ?? error) as NodeJS.ErrnoException
    throw new ClusterConnectError(
      `cannot reach Redis at ${safeUrl(url)}: ${e.code && !e.message.includes(e.code) ? `${e.code} ` : ''}${e.message}`,
    )
  } finally {
    clearTimeout(timer)
    client.disconnect()
  }
}
