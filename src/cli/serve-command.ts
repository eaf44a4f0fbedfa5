// `corelane serve`: web mode. Runs the engine (child_process.fork for process workers) on the
// job database of the data folder (earlier jobs come back, as in the desktop app), the
// monitor and the contract on plain Node, and serves the built UI to a browser on
// 127.0.0.1 with a random access token. Resolves (exit code 0) once SIGINT or SIGTERM has
// closed the server, the monitor, the engine's workers and the database.
//
// CORELANE_WEB_ROOT serves another folder instead of out/renderer (a packaged build elsewhere,
// or a test's fixture).
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { forkProcessHost, startMonitor } from '../main/engine/index.ts'
import { createApiHost } from '../main/host/api-host.ts'
import { openPersistentEngine, type PersistentEngine } from '../main/host/persistent-engine.ts'
import { openSettingsStore } from '../main/host/settings-store.ts'
import { ServeFlagsSchema, checkFlags } from './args.ts'
import { defaultDataDir } from './data-dir.ts'
import { dataDirError } from './data-dir-errors.ts'
import { reportDurability } from './durability.ts'
import { chooseToken } from './serve-token.ts'
import { logsDir } from '../main/engine/data-layout.ts'
import { startWebServer } from './web/web-server.ts'
import type { ServeCluster } from './serve-cluster.ts'
import { followClusterSetting, type ClusterSetting } from '../main/cluster/cluster-setting.ts'

/** The renderer as `npm run build` leaves it, relative to the repository root. */
export const BUILT_RENDERER = fileURLToPath(new URL('../../out/renderer/', import.meta.url))

/** After a stop signal, leave anyway if closing takes longer than this. */
const FORCE_EXIT_MS = 10_000

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

export async function serveCommand(values: Record<string, unknown>): Promise<number> {
  const flags = checkFlags(ServeFlagsSchema, { ...values, redis: values.redis ?? process.env.CORELANE_REDIS_URL }, [
    'port',
    'host',
    'cpu-slots',
    'io-concurrency',
    'data-dir',
    'token',
    'token-file',
    'reset-db',
    'redis',
  ])
  const chosen = await chooseToken(flags, process.env)
  const staticRoot = process.env.CORELANE_WEB_ROOT || BUILT_RENDERER
  try {
    await access(join(staticRoot, 'index.html'))
  } catch {
    throw new Error(`the web UI is not built (no ${join(staticRoot, 'index.html')}): run \`npm run build\` first`)
  }

  const dataDir = flags['data-dir'] ?? defaultDataDir()
  // The settings screen's engine defaults; flags given on the command line win.
  const settings = await openSettingsStore(dataDir)
  const defaults = settings.get()
  let opened: PersistentEngine
  try {
    opened = await openPersistentEngine({
      dataDir,
      cpuSlots: flags['cpu-slots'] ?? defaults.cpuSlots ?? undefined,
      ioConcurrency: flags['io-concurrency'] ?? defaults.ioConcurrency,
      pinning: defaults.pinning,
      processHost: forkProcessHost,
      restore: 'all',
      moveAsideCorrupt: flags['reset-db'],
    })
  } catch (error) {
    dataDirError(error, '--reset-db')
  }
  const { engine } = opened
  if (opened.store.movedAside) process.stderr.write(`corelane: the old database was kept as ${opened.store.movedAside}\n`)
  // --redis: the engine also hands jobs to the cluster's agents, and the Machines view follows
  // them. Without it, the settings' clusterRedisUrl does the same, changed live from the
  // Settings screen (an unreachable Redis is a notice there, never a failed start).
  let cluster: ServeCluster | ClusterSetting
  if (flags.redis) {
    try {
      cluster = await (await import('./serve-cluster.ts')).joinServeCluster(engine, flags.redis, logsDir(dataDir))
    } catch (error) {
      await opened.close()
      throw error
    }
  } else {
    cluster = followClusterSetting({
      engine,
      settings,
      logDir: logsDir(dataDir),
      log: (line) => process.stderr.write(`corelane: ${line}\n`),
    })
  }
  // The window hears of failing writes through the API host's notice; the terminal hears here.
  const stopReporting = reportDurability(opened.store, process.stderr)
  const monitor = startMonitor()
  const host = createApiHost(engine, monitor, { store: opened.store, logDir: logsDir(dataDir), lab: { dataDir }, settings })
  const api = cluster.wrap(host)

  async function shutdown(server?: { close(): Promise<void> }): Promise<void> {
    await server?.close()
    api.close()
    stopReporting()
    await cluster.close()
    await Promise.all([monitor.close(), opened.close()])
  }

  let server
  try {
    server = await startWebServer({ api, staticRoot, host: flags.host, port: flags.port, token: chosen.token })
  } catch (error) {
    await shutdown()
    throw error
  }

  const running = server
  const printBanner = () => {
    if (chosen.warning) process.stderr.write(chosen.warning)
    process.stdout.write(`Corelane web mode: ${server.url}\n`)
    if (!LOOPBACK.has(flags.host)) {
      process.stderr.write(
        `corelane: listening on ${flags.host}: other machines can reach this server (the token still guards it)\n`,
      )
    }
    const { interrupted } = opened.restored
    if (interrupted.length) {
      process.stderr.write(`corelane: ${interrupted.length} jobs were interrupted last time; retry them from the job table\n`)
    }
    process.stderr.write(`corelane: data in ${dataDir}; Ctrl-C to stop\n`)
  }
  return new Promise<number>((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C: the user does not want to wait for workers to stop.
        process.exit(130)
      }
      stopping = true
      process.stderr.write(`\ncorelane: ${signal}: stopping…\n`)
      setTimeout(() => process.exit(0), FORCE_EXIT_MS).unref()
      shutdown(running).then(
        () => {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          resolve(0)
        },
        (error: unknown) => {
          process.stderr.write(`corelane: error while stopping: ${(error as Error)?.message ?? String(error)}\n`)
          resolve(0)
        },
      )
    }
    // Handlers first, the address second: whoever reads the address may signal at once.
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    printBanner()
  })
}
