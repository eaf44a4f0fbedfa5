// Shared harness for the web-mode end-to-end tests: the real engine (a job database in a temp
// data folder, thread and process workers), the monitor, the API host and the web server,
// assembled in this process as `corelane serve` does, on 127.0.0.1:0, serving the BUILT
// renderer to Debian's Chromium driven by playwright-core. `startWebApp()` first runs the
// electron-vite build when out/renderer is missing or older than its sources (so CI builds it;
// the next test file finds it fresh and skips it), then serves a private copy of it (so a
// rebuild elsewhere mid-test cannot pull the page's files away); `close()` stops everything
// it started, last first.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { forkProcessHost, startMonitor, type Engine, type JobStore, type Monitor } from '../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../src/main/host/api-host.ts'
import { openPersistentEngine, type PersistentEngine } from '../../src/main/host/persistent-engine.ts'
import { openSettingsStore } from '../../src/main/host/settings-store.ts'
import { startWebServer, type WebServer } from '../../src/cli/web/web-server.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
export const RENDERER_OUT = join(ROOT, 'out', 'renderer')
/** Artifacts of every run (CI uploads test-results/). */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots')
/** The README's screenshots, written only by a passing test. */
export const DOCS_SCREENSHOT_DIR = join(ROOT, 'docs', 'screenshots')
/**
 * The README's screenshots are refreshed only on request (`npm run screenshots`), so a test
 * run never rewrites tracked files; every run still leaves its shots in SCREENSHOT_DIR.
 */
export const UPDATE_DOCS_SCREENSHOTS = process.env.CORELANE_UPDATE_SCREENSHOTS === '1'

export const CHROMIUM = process.env.CORELANE_CHROMIUM || '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]
export const VIEWPORT = { width: 1440, height: 900 }

/** What the renderer build reads: if any of it is newer than out/renderer, build again. */
const BUILD_INPUTS = [
  join(ROOT, 'src', 'renderer'),
  join(ROOT, 'src', 'shared'),
  join(ROOT, 'electron.vite.config.ts'),
  join(ROOT, 'package-lock.json'),
]

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs // a deleted file shows as the folder's mtime
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

/** Builds the app (electron-vite: main, preload, renderer; about 2 s) unless out/renderer is fresh. */
export function ensureRendererBuilt(): { built: boolean; ms: number } {
  const index = join(RENDERER_OUT, 'index.html')
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : 0
  const sourcesAt = Math.max(...BUILD_INPUTS.map(newestMtime))
  if (builtAt > sourcesAt) return { built: false, ms: 0 }
  const started = performance.now()
  const build = () =>
    execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  try {
    build()
  } catch {
    // Once more: a build running at the same time (it empties out/) can trip this one.
    try {
      build()
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer }
      const output = `${e.stderr ?? ''}${e.stdout ?? ''}`
      throw new Error(`electron-vite build failed (the web-mode UI cannot be tested without it):\n${output}`, { cause: error })
    }
  }
  return { built: true, ms: Math.round(performance.now() - started) }
}

/**
 * Copies the build to `into` and checks the copy is whole (index.html and every file it names),
 * retrying a few times: another build of out/renderer (a colleague's `npm run build`, the
 * Electron test) may be emptying and rewriting it right now. Serving a private copy means a
 * rebuild during the test cannot pull the page's files away.
 */
export async function snapshotRenderer(into: string): Promise<void> {
  let problem = ''
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      cpSync(RENDERER_OUT, into, { recursive: true, force: true })
      const html = readFileSync(join(into, 'index.html'), 'utf8')
      const named = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!)
      const missing = named.filter((file) => !existsSync(join(into, file)))
      if (named.length && !missing.length) return
      problem = named.length ? `missing ${missing.join(', ')}` : 'index.html names no assets'
    } catch (error) {
      problem = (error as Error).message
    }
    rmSync(into, { recursive: true, force: true })
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`could not take a whole copy of ${RENDERER_OUT} (${problem}); is a build running?`)
}

export interface WebAppOptions {
  cpuSlots?: number
  ioConcurrency?: number
  monitorHz?: number
  /** Replay a recorded machine in the monitor instead of sampling this one (tests/engine/monitor/recorded/). */
  monitorRecording?: string
}

export interface WebApp {
  dataDir: string
  engine: Engine
  store: JobStore
  monitor: Monitor
  api: ApiHost
  server: WebServer
  browser: Browser
  /** The address `corelane serve` would print, token included. */
  url: string
  /** The same server without the token. */
  origin: string
  build: { built: boolean; ms: number }
  /** A fresh browser context (own storage, so its own token) and page at 1440×900. */
  newPage(options?: { colorScheme?: 'light' | 'dark' }): Promise<{ context: BrowserContext; page: Page }>
  /** Opens the UI with the token and waits until it shows the engine's state. */
  openUi(page: Page): Promise<void>
  close(): Promise<void>
}

export async function startWebApp(options: WebAppOptions = {}): Promise<WebApp> {
  const build = ensureRendererBuilt()
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const dir = await mkdtemp(join(tmpdir(), 'corelane-e2e-'))
  const dataDir = join(dir, 'data')
  const staticRoot = join(dir, 'renderer')
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rm(dir, { recursive: true, force: true })]

  async function close(): Promise<void> {
    // Last started, first stopped; keep going if one of them fails.
    const errors: unknown[] = []
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length) throw new AggregateError(errors, 'closing the web app failed')
  }

  try {
    await snapshotRenderer(staticRoot)
    const opened: PersistentEngine = await openPersistentEngine({
      dataDir,
      cpuSlots: options.cpuSlots ?? 2,
      ioConcurrency: options.ioConcurrency,
      processHost: forkProcessHost,
      restore: 'all',
    })
    cleanups.push(() => opened.close())
    const monitor = startMonitor({ hz: options.monitorHz ?? 4, recording: options.monitorRecording })
    cleanups.push(() => monitor.close())
    // As `corelane serve` assembles it (src/cli/serve-command.ts), settings file included.
    const settings = await openSettingsStore(dataDir)
    const api = createApiHost(opened.engine, monitor, {
      store: opened.store,
      logDir: join(dataDir, 'logs'),
      lab: { dataDir },
      settings,
    })
    cleanups.push(() => api.close())
    const server = await startWebServer({ api, staticRoot, port: 0 })
    cleanups.push(() => server.close())
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    cleanups.push(() => browser.close())

    return {
      dataDir,
      engine: opened.engine,
      store: opened.store,
      monitor,
      api,
      server,
      browser,
      url: server.url,
      origin: new URL(server.url).origin,
      build,
      async newPage({ colorScheme = 'light' } = {}) {
        const context = await browser.newContext({ viewport: VIEWPORT, colorScheme, reducedMotion: 'no-preference' })
        const page = await context.newPage()
        return { context, page }
      },
      async openUi(page) {
        await page.goto(server.url)
        await page.getByTestId('core-meter').first().waitFor({ timeout: 20_000 })
        await page.locator('[data-testid="connection-state"].open').waitFor({ timeout: 20_000 })
      },
      close,
    }
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
}

/** Calls `read` until `done` accepts its value (every `intervalMs`), or fails saying what it saw last. */
export async function poll<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T
  for (;;) {
    last = await read()
    if (done(last)) return last
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last saw ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** CPU seconds used so far by every renderer process of the browser (CDP SystemInfo, browser-wide). */
export async function rendererCpuSeconds(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const info = (await cdp.send('SystemInfo.getProcessInfo' as never)) as { processInfo: { type: string; cpuTime: number }[] }
    return info.processInfo.filter((p) => p.type === 'renderer').reduce((sum, p) => sum + p.cpuTime, 0)
  } finally {
    await cdp.detach()
  }
}

/** Prints one `PERF key=value …` line (kept on stdout, so it shows in the test output and CI logs). */
export function perf(fields: Record<string, string | number | boolean>): void {
  const line = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  console.log(`PERF ${line}`)
}
