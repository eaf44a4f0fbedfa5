// Electron's main process: the app's lifecycle and nothing heavy. It owns one window (a
// single instance), hardens it (sandboxed, isolated, no Node, strict CSP, no navigation, no
// new windows, no permissions), serves the built UI over its own `corelane://app/` scheme
// (never file://; the dev server in development), and after `ready` starts the engine
// (process workers as utilityProcess children), the monitor's sampler thread, the IPC bridge,
// the tray and batch notifications. The engine runs on the job database in userData, so
// earlier jobs come back. Quitting closes the engine's workers and the database first.
// Everything here is async: the main thread also draws the UI.
import { app, BrowserWindow, dialog, screen, session } from 'electron'
import { join } from 'node:path'
import { StoreError, startMonitor, type Monitor } from './engine/index.ts'
import { logsDir } from './engine/data-layout.ts'
import { createApiHost, type ApiHost } from './host/api-host.ts'
import { openPersistentEngine, type PersistentEngine, type PersistentEngineOptions } from './host/persistent-engine.ts'
import { registerAppScheme, serveAppScheme } from './electron/app-protocol.ts'
import { APP_PAGE_URL, createAppUrlCheck, rendererDevUrl } from './electron/app-url.ts'
import { registerIpcBridge } from './electron/ipc-bridge.ts'
import { installAppMenu } from './electron/menu.ts'
import { notifyBatchEnds } from './electron/notifications.ts'
import { hardenSession, hardenWebContents } from './electron/security.ts'
import { createCpuTray } from './electron/tray.ts'
import { utilityProcessHost } from './electron/utility-process-host.ts'
import { fitToDisplays, loadWindowState, trackWindowState } from './electron/window-state.ts'

// Built layout (electron.vite.config.ts): out/main/{index,thread-entry,process-entry,monitor-worker,store-worker}.js,
// out/preload/index.cjs, out/renderer/ (served as corelane://app/).
const here = import.meta.dirname
const PRELOAD = join(here, '../preload/index.cjs')
const RENDERER_DIR = join(here, '../renderer')
const WORKER_ENTRIES = { thread: join(here, 'thread-entry.js'), process: join(here, 'process-entry.js') }
const MONITOR_ENTRY = join(here, 'monitor-worker.js')
const STORE_ENTRY = join(here, 'store-worker.js')

const devUrl = rendererDevUrl(process.env.ELECTRON_RENDERER_URL, app.isPackaged)
const isAppUrl = createAppUrlCheck({ devUrl })

interface Services {
  opened: PersistentEngine
  monitor: Monitor
  api: ApiHost
  stop: (() => void)[]
}

let mainWindow: BrowserWindow | null = null
let windowState: { flush(): Promise<void> } | null = null
let services: Services | null = null
let quit: 'running' | 'closing' | 'closed' = 'running'

function showWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    if (app.isReady() && quit === 'running') void createWindow()
    return
  }
  if (mainWindow.isMinimized()) mainWindow.restore()
  mainWindow.show()
  mainWindow.focus()
}

async function createWindow(): Promise<void> {
  const stateFile = join(app.getPath('userData'), 'window-state.json')
  const saved = fitToDisplays(
    await loadWindowState(stateFile),
    screen.getAllDisplays().map((display) => display.workArea),
  )
  const window = new BrowserWindow({
    x: saved.x,
    y: saved.y,
    width: saved.width,
    height: saved.height,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Corelane',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  mainWindow = window
  if (saved.maximized) window.maximize()
  windowState = trackWindowState(window, stateFile)
  window.once('ready-to-show', () => window.show())
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null
  })
  await window.loadURL(devUrl ?? APP_PAGE_URL)
}

/** Opens the job database; a damaged one is kept aside and replaced only if the user agrees. */
async function openEngine(): Promise<PersistentEngine> {
  const options: PersistentEngineOptions = {
    dataDir: app.getPath('userData'),
    processHost: utilityProcessHost,
    workerEntries: WORKER_ENTRIES,
    storeWorkerEntry: STORE_ENTRY,
    restore: 'all',
  }
  try {
    return await openPersistentEngine(options)
  } catch (error) {
    if (!(error instanceof StoreError && error.code === 'corrupt')) throw error
    const { response } = await dialog.showMessageBox({
      type: 'error',
      message: 'The job database is damaged',
      detail: `${error.message}\n\nCorelane can keep the damaged file aside and start a new database.`,
      buttons: ['Start a new database', 'Quit'],
      defaultId: 0,
      cancelId: 1,
    })
    if (response !== 0) throw error
    return openPersistentEngine({ ...options, moveAsideCorrupt: true })
  }
}

async function startServices(): Promise<Services> {
  const opened = await openEngine()
  const { engine } = opened
  const monitor = startMonitor({ workerEntry: MONITOR_ENTRY })
  const api = createApiHost(engine, monitor, {
    store: opened.store,
    logDir: logsDir(app.getPath('userData')),
    lab: { dataDir: app.getPath('temp'), workerEntries: WORKER_ENTRIES, processHost: utilityProcessHost },
  })
  const getWindow = () => mainWindow
  const stop = [
    registerIpcBridge({ api, getWindow, isAppUrl }),
    notifyBatchEnds({ api, initial: engine.batches(), getWindow, onClick: showWindow }),
  ]
  try {
    const tray = createCpuTray({ monitor, onShow: showWindow, onQuit: () => app.quit() })
    stop.push(() => tray.destroy())
  } catch (error) {
    // Some Linux desktops have no tray: the app works without it.
    console.warn('corelane: no tray icon:', (error as Error).message)
  }
  return { opened, monitor, api, stop }
}

async function stopServices(): Promise<void> {
  const running = services
  services = null
  await windowState?.flush()
  if (!running) return
  for (const stop of running.stop) stop()
  running.api.close()
  await Promise.all([running.monitor.close(), running.opened.close()])
}

// Before `ready`: the app scheme's privileges; sandbox every renderer, including any created
// by accident.
registerAppScheme()
app.enableSandbox()
hardenWebContents()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', showWindow)

  app.on('before-quit', (event) => {
    if (quit === 'closed') return
    // Close the engine's workers (utilityProcess children, the sampler thread) before leaving.
    event.preventDefault()
    if (quit === 'closing') return
    quit = 'closing'
    void stopServices()
      .catch((error: unknown) => console.error('corelane: error while closing', error))
      .finally(() => {
        quit = 'closed'
        app.quit()
      })
  })

  app.on('window-all-closed', () => {
    // macOS apps stay in the dock (and the engine keeps running) until the user quits.
    if (process.platform !== 'darwin') app.quit()
  })

  app.on('activate', showWindow)

  app
    .whenReady()
    .then(async () => {
      hardenSession(session.defaultSession)
      serveAppScheme(RENDERER_DIR)
      installAppMenu({ isDev: devUrl !== null })
      services = await startServices()
      await createWindow()
    })
    .catch((error: unknown) => {
      // For example the data folder is in use by `corelane serve` or `corelane run`.
      console.error('corelane: could not start', error)
      dialog.showErrorBox('Corelane could not start', error instanceof Error ? error.message : String(error))
      app.exit(1)
    })
}
