// TEST DOUBLE: a stand-in for the `electron` module, for tests that run the real main-process
// and preload code on plain Node (the Electron binary cannot start here). Use it with
// `vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)`.
// It implements only what Corelane calls, records every call in order (`standIn.log`), keeps
// the handlers the code installs so a test can drive them, and enforces the two timing rules
// Electron enforces that matter here: `protocol.registerSchemesAsPrivileged` only before
// `ready`, `protocol.handle` only after. It is not Electron: it proves what the code asks
// Electron to do, never what Chromium then does with it.
import { EventEmitter } from 'node:events'

type Listener = (...args: never[]) => unknown

export interface PreventableEvent {
  defaultPrevented: boolean
  preventDefault(): void
}

export function preventableEvent(): PreventableEvent {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true
    },
  }
}

export interface StandInFrame {
  parent: StandInFrame | null
  processId: number
  routingId: number
  url: string
}

let nextContentsId = 1

export class StandInWebContents extends EventEmitter {
  readonly id = nextContentsId++
  readonly mainFrame: StandInFrame = { parent: null, processId: 100 + this.id, routingId: 1, url: '' }
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null
  readonly sent: { channel: string; args: unknown[] }[] = []
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    standIn.log.push('webContents.setWindowOpenHandler')
    this.windowOpenHandler = handler
  }
  getURL(): string {
    return this.mainFrame.url
  }
  isDestroyed(): boolean {
    return false
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args })
  }
}

class StandInBrowserWindow extends EventEmitter {
  readonly options: Record<string, unknown>
  readonly webContents = new StandInWebContents()
  readonly loads: { method: 'loadURL' | 'loadFile'; target: string }[] = []
  constructor(options: Record<string, unknown>) {
    super()
    this.options = options
    standIn.log.push('new BrowserWindow')
    standIn.windows.push(this)
    // As in Electron: every new web contents is announced on the app.
    app.emit('web-contents-created', preventableEvent(), this.webContents)
  }
  async loadURL(url: string): Promise<void> {
    standIn.log.push(`loadURL ${url}`)
    this.loads.push({ method: 'loadURL', target: url })
    this.webContents.mainFrame.url = url
  }
  async loadFile(file: string): Promise<void> {
    standIn.log.push(`loadFile ${file}`)
    this.loads.push({ method: 'loadFile', target: file })
    this.webContents.mainFrame.url = `file://${file}`
  }
  /** Every value given to setProgressBar, in order (-1 removes the bar). */
  readonly progress: number[] = []
  setProgressBar(value: number): void {
    standIn.log.push(`setProgressBar ${value}`)
    this.progress.push(value)
  }
  isDestroyed = () => false
  isMinimized = () => false
  isMaximized = () => false
  isFullScreen = () => false
  /** Whether the window has focus (a test sets it to false to put the app in the background). */
  focused = true
  isFocused = () => this.focused
  getNormalBounds = () => ({ x: 0, y: 0, width: 1280, height: 820 })
  maximize(): void {}
  restore(): void {}
  show(): void {}
  focus(): void {}
}

class StandInSession {
  permissionRequestHandler:
    ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null = null
  permissionCheckHandler: ((contents: unknown, permission: string, origin: string, details: unknown) => boolean) | null = null
  devicePermissionHandler: ((details: unknown) => boolean) | null = null
  headersReceived:
    ((details: { responseHeaders?: Record<string, string[]> }, callback: (response: unknown) => void) => void) | null = null
  readonly webRequest = {
    onHeadersReceived: (listener: NonNullable<StandInSession['headersReceived']>) => {
      standIn.log.push('session.webRequest.onHeadersReceived')
      this.headersReceived = listener
    },
  }
  setPermissionRequestHandler(handler: StandInSession['permissionRequestHandler']): void {
    standIn.log.push('session.setPermissionRequestHandler')
    this.permissionRequestHandler = handler
  }
  setPermissionCheckHandler(handler: StandInSession['permissionCheckHandler']): void {
    standIn.log.push('session.setPermissionCheckHandler')
    this.permissionCheckHandler = handler
  }
  setDevicePermissionHandler(handler: StandInSession['devicePermissionHandler']): void {
    standIn.log.push('session.setDevicePermissionHandler')
    this.devicePermissionHandler = handler
  }
}

let markReady: () => void = () => {}
const ready = new Promise<void>((resolve) => (markReady = resolve))

class StandInApp extends EventEmitter {
  readonly isPackaged = false
  enableSandbox(): void {
    standIn.log.push('app.enableSandbox')
    standIn.sandboxEnabled = true
  }
  requestSingleInstanceLock = () => true
  whenReady = () => ready
  isReady = () => standIn.isReady
  getPath = (_name: string) => standIn.userData
  quit(): void {
    standIn.log.push('app.quit')
  }
  setBadgeCount(count: number): boolean {
    standIn.log.push(`app.setBadgeCount ${count}`)
    standIn.badges.push(count)
    return true
  }
  setLoginItemSettings(settings: { openAtLogin?: boolean }): void {
    standIn.log.push(`app.setLoginItemSettings ${JSON.stringify(settings)}`)
    standIn.loginItems.push(settings)
  }
  exit(code: number): void {
    standIn.log.push(`app.exit ${code}`)
  }
}

const app = new StandInApp()

class StandInIpcMain extends EventEmitter {
  handle(channel: string, handler: Listener): void {
    if (standIn.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    standIn.log.push(`ipcMain.handle ${channel}`)
    standIn.ipcHandlers.set(channel, handler)
  }
  removeHandler(channel: string): void {
    standIn.ipcHandlers.delete(channel)
  }
}

class StandInIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; args: unknown[] }[] = []
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args })
    return { ok: true, value: `answer of ${channel}` }
  }
}

class StandInTray extends EventEmitter {
  setToolTip(): void {}
  setContextMenu(): void {}
  setImage(): void {}
  setTitle(): void {}
  isDestroyed = () => false
  destroy(): void {}
}

class StandInNotification extends EventEmitter {
  static isSupported = () => true
  readonly options: { title?: string; body?: string }
  constructor(options: { title?: string; body?: string }) {
    super()
    this.options = options
  }
  show(): void {
    standIn.log.push(`notification ${this.options.title}`)
    standIn.notifications.push(this.options)
  }
}

/** What the code under test did, in order, and the handlers it installed. */
export const standIn = {
  log: [] as string[],
  isReady: false,
  sandboxEnabled: false,
  userData: '',
  windows: [] as StandInBrowserWindow[],
  privilegedSchemes: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  ipcHandlers: new Map<string, Listener>(),
  exposed: [] as { key: string; api: unknown }[],
  openedExternally: [] as string[],
  errorBoxes: [] as string[],
  messageBoxes: [] as { type?: string; message: string; detail?: string }[],
  badges: [] as number[],
  loginItems: [] as { openAtLogin?: boolean }[],
  /** Power-save blockers: id -> still started. */
  powerBlockers: new Map<number, { type: string; started: boolean }>(),
  crashReporter: [] as Record<string, unknown>[],
  openedPaths: [] as string[],
  /** Every notification shown: its title and body. */
  notifications: [] as { title?: string; body?: string }[],
  /** The last template given to Menu.setApplicationMenu. */
  menu: null as unknown[] | null,
  defaultSession: new StandInSession(),
  ipcRenderer: new StandInIpcRenderer(),
  /** Fires `ready`: what the code chained on `app.whenReady()` runs next. */
  becomeReady(): void {
    standIn.log.push('ready')
    standIn.isReady = true
    markReady()
  },
}

/** The module object `vi.mock('electron', ...)` should return. */
export const electronStandIn = {
  app,
  BrowserWindow: StandInBrowserWindow,
  session: { defaultSession: standIn.defaultSession },
  protocol: {
    registerSchemesAsPrivileged(schemes: unknown[]): void {
      if (standIn.isReady) throw new Error('registerSchemesAsPrivileged must be called before the app is ready')
      standIn.log.push('protocol.registerSchemesAsPrivileged')
      standIn.privilegedSchemes.push(...schemes)
    },
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
      if (!standIn.isReady) throw new Error('protocol.handle must be called after the app is ready')
      standIn.log.push(`protocol.handle ${scheme}`)
      standIn.protocolHandlers.set(scheme, handler)
    },
  },
  ipcMain: new StandInIpcMain(),
  ipcRenderer: standIn.ipcRenderer,
  contextBridge: {
    exposeInMainWorld(key: string, api: unknown): void {
      standIn.log.push(`contextBridge.exposeInMainWorld ${key}`)
      standIn.exposed.push({ key, api })
    },
  },
  shell: {
    async openExternal(url: string): Promise<void> {
      standIn.openedExternally.push(url)
    },
    async openPath(path: string): Promise<string> {
      standIn.log.push(`shell.openPath ${path}`)
      standIn.openedPaths.push(path)
      return ''
    },
  },
  powerSaveBlocker: {
    start(type: string): number {
      const id = standIn.powerBlockers.size + 1
      standIn.log.push(`powerSaveBlocker.start ${type}`)
      standIn.powerBlockers.set(id, { type, started: true })
      return id
    },
    stop(id: number): void {
      standIn.log.push(`powerSaveBlocker.stop ${id}`)
      const blocker = standIn.powerBlockers.get(id)
      if (blocker) blocker.started = false
    },
    isStarted: (id: number) => standIn.powerBlockers.get(id)?.started === true,
  },
  crashReporter: {
    start(options: Record<string, unknown>): void {
      if (standIn.isReady) throw new Error('crashReporter.start should be called before the app is ready')
      standIn.log.push('crashReporter.start')
      standIn.crashReporter.push(options)
    },
  },
  dialog: {
    showMessageBox: async (options: { type?: string; message: string; detail?: string }) => {
      standIn.messageBoxes.push(options)
      return { response: 1, checkboxChecked: false }
    },
    showErrorBox(title: string, content: string): void {
      standIn.errorBoxes.push(`${title}: ${content}`)
    },
  },
  screen: { getAllDisplays: () => [] },
  Menu: {
    buildFromTemplate: (template: unknown[]) => ({ template }),
    setApplicationMenu(menu: { template: unknown[] } | null): void {
      standIn.log.push('Menu.setApplicationMenu')
      standIn.menu = menu?.template ?? null
    },
  },
  Tray: StandInTray,
  nativeImage: { createFromBitmap: () => ({}) },
  Notification: StandInNotification,
  utilityProcess: {
    fork(): never {
      throw new Error('the electron stand-in starts no utility processes')
    },
  },
}
