// Follows a host's `clusterRedisUrl` setting (the desktop app, web mode without --redis): links
// the engine to that cluster (engine-link.ts, as `serve --redis` does) when it is set, relinks
// when it changes and unlinks when it is cleared, without a restart. A Redis that cannot be
// reached is never a hang or a crash: the engine runs on its own machine, the host's streams
// carry a `cluster` status with the reason (the window shows it), and the link is tried again
// every `retryMs`. The host's streams also gain the cluster's `machines` while linked.
import type { ClusterLinkStatus } from '../../shared/cluster.ts'
import type { EventName, EventPayloads } from '../../shared/contract.ts'
import { maskRedisUrl, type Settings } from '../../shared/settings.ts'
import type { Engine } from '../engine/index.ts'
import type { EngineLink } from './engine-link.ts'
import { withMachineFeed, type EventSource } from './machines-feed.ts'

type Listener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void

/** What it reads of the settings store (src/main/host/settings-store.ts). */
export interface ClusterSettingSource {
  get(): Settings
  onChange(listener: (next: Settings, previous: Settings) => void): () => void
}

export interface ClusterSettingOptions {
  engine: Engine
  settings: ClusterSettingSource
  /** Where logs shipped back by agents go (the engine's `<dataDir>/logs`). */
  logDir: string | null
  /** While Redis cannot be reached, try again this often. Default 10 s. */
  retryMs?: number
  probeTimeoutMs?: number
  reconcileMs?: number
  /** Each change of status, in words (the terminal, the app's console). */
  log?: (line: string) => void
}

export interface ClusterSetting {
  status(): ClusterLinkStatus
  /** The link in use now (null: none). */
  link(): EngineLink | null
  /** The host's streams plus `cluster` (its status) and `machines` (while linked). */
  wrap<H extends EventSource>(host: H): H
  /** Resolves once the setting as it is now has been acted on (linked, refused or unlinked). */
  settled(): Promise<void>
  /** Unlinks; before the engine closes (see EngineLink.close). */
  close(): Promise<void>
}

export function followClusterSetting(options: ClusterSettingOptions): ClusterSetting {
  const listeners = new Set<Listener>()
  const retryMs = options.retryMs ?? 10_000
  let status: ClusterLinkStatus = { state: 'off', url: null, error: null }
  let link: EngineLink | null = null
  let feed: { closeMachineFeed(): void } | null = null
  let wanted = options.settings.get().clusterRedisUrl
  let chain: Promise<void> = Promise.resolve()
  let retry: NodeJS.Timeout | null = null
  let closed = false

  const emit: Listener = (event, payload) => {
    for (const listener of listeners) listener(event, payload)
  }
  const setStatus = (next: ClusterLinkStatus) => {
    status = next
    emit('cluster', next)
    const words = {
      off: 'no cluster',
      connecting: 'connecting to',
      linked: 'linked to the cluster at',
      unreachable: 'cannot link',
    }
    options.log?.(
      `${words[next.state]}${next.url && next.state !== 'unreachable' ? ` ${next.url}` : ''}${next.error ? `: ${next.error}` : ''}`,
    )
  }

  async function unlink(): Promise<void> {
    const old = link
    if (!old) return
    link = null
    feed?.closeMachineFeed()
    feed = null
    // Jobs out on agents come back to the engine's queue (the executor leaves), to run here or on the next link.
    await old.close().catch(() => {})
    emit('machines', [])
  }

  async function apply(url: string | null): Promise<void> {
    if (retry) clearTimeout(retry)
    retry = null
    if (closed || url !== wanted) return // a newer change follows in the chain
    await unlink()
    if (!url) {
      if (status.state !== 'off') setStatus({ state: 'off', url: null, error: null })
      return
    }
    const shown = maskRedisUrl(url)
    if (status.state !== 'unreachable' || status.url !== shown) setStatus({ state: 'connecting', url: shown, error: null })
    try {
      // Loaded when first needed: an app with no cluster never loads BullMQ.
      const { linkEngineToCluster } = await import('./engine-link.ts')
      const made = await linkEngineToCluster(options.engine, {
        redisUrl: url,
        logDir: options.logDir,
        probeTimeoutMs: options.probeTimeoutMs,
        reconcileMs: options.reconcileMs,
      })
      if (closed || url !== wanted) return void (await made.close())
      link = made
      const machines = withMachineFeed({ subscribe: () => () => {} } as EventSource, made.directory)
      machines.subscribe(emit)
      feed = machines
      setStatus({ state: 'linked', url: shown, error: null })
    } catch (error) {
      if (closed || url !== wanted) return
      // probeRedis names the URL with its password masked, and the reason.
      const message = (error as Error).message
      if (status.state !== 'unreachable' || status.error !== message)
        setStatus({ state: 'unreachable', url: shown, error: message })
      retry = setTimeout(() => void schedule(url), retryMs)
      retry.unref()
    }
  }

  function schedule(url: string | null): Promise<void> {
    chain = chain.then(() => apply(url))
    return chain
  }

  const offSettings = options.settings.onChange((next, previous) => {
    if (next.clusterRedisUrl === previous.clusterRedisUrl) return
    wanted = next.clusterRedisUrl
    void schedule(wanted)
  })
  void schedule(wanted)

  return {
    status: () => status,
    link: () => link,
    wrap<H extends EventSource>(host: H): H {
      return Object.assign(Object.create(host) as H, {
        subscribe(listener: Listener) {
          const off = host.subscribe(listener)
          listeners.add(listener)
          // A new window hears the status (and the machines) at once.
          queueMicrotask(() => {
            if (!listeners.has(listener)) return
            listener('cluster', status)
            if (link) listener('machines', link.directory.machines())
          })
          return () => {
            off()
            listeners.delete(listener)
          }
        },
      })
    },
    settled: () => chain,
    async close() {
      closed = true
      offSettings()
      if (retry) clearTimeout(retry)
      await chain
      await unlink()
      listeners.clear()
    },
  }
}
