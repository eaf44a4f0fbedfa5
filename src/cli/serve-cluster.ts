// `corelane serve --redis <url>`: web mode follows a cluster. The window's Machines view
// gets every agent's telemetry (cores, load, the jobs on each core) through the contract's
// `machines` event. Jobs submitted from the window still run on this machine's engine until
// the engine's pool takes remote executors (see the README's Cluster section).
import { ClusterDirectory } from '../main/cluster/directory.ts'
import { withMachineFeed, type EventSource } from '../main/cluster/machines-feed.ts'
import { connectRedis, probeRedis } from '../main/cluster/redis.ts'

export async function followCluster(url: string) {
  await probeRedis(url)
  const connection = connectRedis(url, 'corelane-serve')
  const subscriber = connection.duplicate()
  connection.on('error', () => {})
  subscriber.on('error', () => {})
  const directory = new ClusterDirectory(connection, subscriber)
  await directory.start()
  let feeds: { closeMachineFeed(): void }[] = []
  return {
    directory,
    wrap<H extends EventSource>(host: H): H {
      const fed = withMachineFeed(host, directory)
      feeds.push(fed)
      return fed
    },
    async close() {
      for (const feed of feeds) feed.closeMachineFeed()
      feeds = []
      directory.close()
      await connection.quit().catch(() => connection.disconnect())
    },
  }
}
