// Electron's main process: the app's lifecycle and nothing heavy. It owns one window (a
// single instance), hardens it (sandboxed, isolated, no Node, strict CSP, no navigation, no
// new windows, no permissions), serves the built UI over its own `corelane://app/` scheme
// (never file://; the dev server in development), and after `ready` starts the engine
// (process workers as utilityProcess children) with the defaults of the settings file, the
// monitor's sampler thread, the IPC bridge, the tray, batch notifications, taskbar progress
// and sleep prevention while batches run, and the link to the cluster its settings name
// (cluster/cluster-setting.ts: relinked live, an unreachable Redis a notice in the window).
// Batch files named on the command line, by a second
// start or by macOS `open-file` are submitted. Crash reports stay local. The engine runs on
// the job database in userData, so earlier jobs come back. Quitting closes the engine's
// workers and the database first. Everything here is async: the main thread also draws the UI.
import { app, BrowserWindow, dialog, screen, session } from 'electron'
import type { DryRunResult } from '../shared/contract.ts'
import { StoreError, startMonitor, type Monitor } from './engine/index.ts'
import { logsDir, windowStatePath } from './engine/data-layout.ts'
import { followClusterSetting, type ClusterSetting } from './cluster/cluster-setting.ts'
import { createApiHost, type ApiHost } from './host/api-host.ts'
import { openPersistentEngine, type PersistentEngine, type PersistentEngineOptions } from './host/persistent-engine.ts'
import { openSettingsStore, type SettingsStore } from './host/settings-store.ts'
import { registerAppScheme, serveAppScheme } from './electron/app-protocol.ts'
import { APP_PAGE_URL, createAppUrlCheck, rendererDevUrl } from './electron/app-url.ts'
import { bundleLayout } from './electron/bundle-layout.ts'
import { startLocalCrashReports } from './electron/crash-reports.ts'
import { registerIpcBridge } from './electron/ipc-bridge.ts'
import { keepAwakeWhileBatchesRun } from './electron/keep-awake.ts'
import { installAppMenu } from './electron/menu.ts'
import { notifyBatchEnds } from './electron/notifications.ts'
import { batchFilesInArgv, openBatchFiles, refusedFlags, startFlags, type OpenedBatch } from './electron/open-batch.ts'
import { hardenSession, hardenWebContents } from './electron/security.ts'
import { showTaskbarProgress } from './electron/taskbar-progress.ts'
import { createCpuTray } from './electron/tray.ts'
import { utilityProcessHost } from './electron/utility-process-host.ts'
import { fitToDisplays, loadWindowState, trackWindowState } from './electron/window-state.ts'

// Built layout (bundle-layout.ts): out/main/{index,thread-entry,process-entry,monitor-worker,store-worker}.js,
// out/preload/index.cjs, out/renderer/ (served as corelane://app/); inside app.asar when packaged.
const layout = bundleLayout(import.meta.dirname)
const PRELOAD = layout.preload
const RENDERER_DIR = layout.rendererDir
const WORKER_ENTRIES = layout.workerEntries
const MONITOR_ENTRY = layout.monitorEntry
const STORE_ENTRY = layout.storeEntry

const devUrl = rendererDevUrl(process.env.ELECTRON_RENDERER_URL, app.isPackaged)
const isAppUrl = createAppUrlCheck({ devUrl })
/** How many of a dry run's jobs its dialog lists (a message box is no place for a thousand). */
const DRY_RUN_DIALOG_LINES = 30

interface Services {
  opened: PersistentEngine
  settings: SettingsStore
  monitor: Monitor
  api: ApiHost
  cluster: ClusterSetting
  stop: (() => void)[]
}

let mainWindow: BrowserWindow | null = null
let windowState: { flush(): Promise<void> } | null = null
let services: Services | null = null
let quit: 'running' | 'closing' | 'closed' = 'running'
type StartFlags = ReturnType<typeof startFlags>
/** Batch files the OS handed over before the engine was up (argv of the first start, macOS open-file), with their start's flags. */
const pendingBatchFiles: { files: string[]; flags: StartFlags }[] = [
  { files: batchFilesInArgv(process.argv, process.cwd()), flags: startFlags(process.argv) },
]

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
  // The app's data folder is userData (see openEngine), so the window's state sits beside the job database.
  const stateFile = windowStatePath(app.getPath('userData'))
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
async function openEngine(settings: SettingsStore): Promise<PersistentEngine> {
  const { cpuSlots, ioConcurrency, pinning } = settings.get()
  const options: PersistentEngineOptions = {
    dataDir: app.getPath('userData'),
    cpuSlots: cpuSlots ?? undefined,
    ioConcurrency,
    pinning,
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
  const settings = await openSettingsStore(app.getPath('userData'))
  if (settings.loadProblems.length) console.warn('corelane: settings.json was not valid, kept aside; using defaults')
  const opened = await openEngine(settings)
  const { engine } = opened
  const monitor = startMonitor({ workerEntry: MONITOR_ENTRY })
  const cluster = followClusterSetting({
    engine,
    settings,
    logDir: logsDir(app.getPath('userData')),
    log: (line) => console.warn(`corelane: ${line}`),
  })
  // The window's streams also carry the cluster's status and machines.
  const api = cluster.wrap(
    createApiHost(engine, monitor, {
      store: opened.store,
      logDir: logsDir(app.getPath('userData')),
      lab: { dataDir: app.getPath('temp'), workerEntries: WORKER_ENTRIES, processHost: utilityProcessHost },
      settings,
      desktop: true,
    }),
  )
  const getWindow = () => mainWindow
  const taskbar = showTaskbarProgress({
    api,
    initial: engine.batches(),
    getWindow,
    enabled: () => settings.get().taskbarProgress,
  })
  const awake = keepAwakeWhileBatchesRun({ api, initial: engine.batches(), enabled: () => settings.get().preventSleep })
  const stop = [
    registerIpcBridge({ api, getWindow, isAppUrl }),
    notifyBatchEnds({
      api,
      initial: engine.batches(),
      getWindow,
      onClick: showWindow,
      enabled: () => settings.get().notifications,
    }),
    taskbar.stop,
    awake.stop,
    settings.onChange((next, previous) => {
      taskbar.refresh()
      awake.refresh()
      // Only when the user changes it: the OS's own login-items list is not overwritten at every start.
      if (next.launchAtLogin !== previous.launchAtLogin) app.setLoginItemSettings({ openAtLogin: next.launchAtLogin })
    }),
  ]
  try {
    const tray = createCpuTray({ monitor, onShow: showWindow, onQuit: () => app.quit() })
    stop.push(() => tray.destroy())
  } catch (error) {
    // Some Linux desktops have no tray: the app works without it.
    console.warn('corelane: no tray icon:', (error as Error).message)
  }
  return { opened, settings, monitor, api, cluster, stop }
}

/**
 * Submits batch files the OS handed over; tells the user about any that could not be opened.
 * `--dry-run` lists each file's jobs instead; another `corelane run` flag opens nothing.
 */
async function openFromOs(files: string[], flags: StartFlags = { dryRun: false, runFlags: [] }): Promise<void> {
  if (!files.length) return
  if (!services) {
    pendingBatchFiles.push({ files, flags })
    return
  }
  const outcomes: OpenedBatch[] = flags.runFlags.length
    ? files.map((file) => ({ file, problem: refusedFlags(flags.runFlags) }))
    : await openBatchFiles(files, services.api, showStopped, { dryRun: flags.dryRun })
  for (const { file, dryRun } of outcomes) if (dryRun) showDryRun(file, dryRun)
  const problems = outcomes.filter((outcome) => outcome.problem)
  if (problems.length) {
    void dialog.showMessageBox({
      type: 'warning',
      message: problems.length === 1 ? 'Could not open the batch file' : `Could not open ${problems.length} batch files`,
      detail: problems.map((p) => `${p.file}\n${p.problem}`).join('\n\n'),
    })
  }
}

/** `corelane-desktop --dry-run batch.json`: the jobs the file expands to, as the window's Dry run lists them; nothing queued. */
function showDryRun(file: string, result: DryRunResult): void {
  const shown = result.jobs.slice(0, DRY_RUN_DIALOG_LINES).map((job) => `${job.seq}  ${job.command}`)
  const more = result.total - shown.length
  void dialog.showMessageBox({
    type: 'info',
    message: `Dry run: ${result.total} job${result.total === 1 ? '' : 's'}, nothing was run`,
    detail: `${file}\n\n${shown.join('\n')}${more > 0 ? `\n… and ${more} more` : ''}`,
  })
}

/** A file of lines whose reading a bad line stopped: the jobs before it ran; the line is named. */
function showStopped(file: string, problem: string): void {
  void dialog.showMessageBox({
    type: 'warning',
    message: 'Stopped reading the batch file at a bad input',
    detail: `${file}\n${problem}\nThe jobs read before it ran; the rest of the file was not read.`,
  })
}

async function stopServices(): Promise<void> {
  const running = services
  services = null
  await windowState?.flush()
  if (!running) return
  for (const stop of running.stop) stop()
  running.api.close()
  // Unlinked before the engine closes (an engine that closes ends the link's executor).
  await running.cluster.close()
  await Promise.all([running.monitor.close(), running.opened.close()])
}

// Before `ready`: the app scheme's privileges; sandbox every renderer, including any created
// by accident.
registerAppScheme()
app.enableSandbox()
hardenWebContents()
startLocalCrashReports()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  // A second start (a double-clicked batch, `corelane-desktop batch.json`) lands here, with its argv.
  app.on('second-instance', (_event, argv, workingDirectory) => {
    showWindow()
    void openFromOs(batchFilesInArgv(argv, workingDirectory), startFlags(argv))
  })
  // macOS hands files over as events, before and after `ready`.
  app.on('open-file', (event, path) => {
    event.preventDefault()
    void openFromOs([path])
  })

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
      installAppMenu({ isDev: devUrl !== null, logsDir: logsDir(app.getPath('userData')) })
      services = await startServices()
      await createWindow()
      for (const { files, flags } of pendingBatchFiles.splice(0)) await openFromOs(files, flags)
    })
    .catch((error: unknown) => {
      // For example the data folder is in use by `corelane serve` or `corelane run`.
      console.error('corelane: could not start', error)
      dialog.showErrorBox('Corelane could not start', error instanceof Error ? error.message : String(error))
      app.exit(1)
    })
}
