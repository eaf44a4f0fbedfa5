// `corelane serve --redis <url>`: web mode on a cluster. The engine hands jobs to the
// cluster's agents once this machine's own slots are taken (engine-link.ts), and the window's
// Machines view gets every agent's telemetry (cores, load, the jobs on each core) through the
// contract's `machines` event.
import type { Engine } from '../main/engine/index.ts'
import { linkEngineToCluster } from '../main/cluster/engine-link.ts'
import { withMachineFeed, type EventSource } from '../main/cluster/machines-feed.ts'

export type ServeCluster = Awaited<ReturnType<typeof joinServeCluster>>

export async function joinServeCluster(engine: Engine, url: string, logDir: string) {
  const link = await linkEngineToCluster(engine, { redisUrl: url, logDir })
  let feeds: { closeMachineFeed(): void }[] = []
  return {
    link,
    wrap<H extends EventSource>(host: H): H {
      const fed = withMachineFeed(host, link.directory)
      feeds.push(fed)
      return fed
    },
    /** Before the engine closes (see EngineLink.close). */
    async close() {
      for (const feed of feeds) feed.closeMachineFeed()
      feeds = []
      await link.close()
    },
  }
}
