// Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security),
// one `it` per item, each shown by the strongest evidence available without the Electron
// binary (it cannot start on this machine):
//   - behaviour: the real src/main/index.ts and src/preload/index.ts run against the named
//     electron stand-in (electron-stand-in.ts), with the engine services faked; the test then
//     drives the handlers they installed (permission, navigation, window-open, webview, IPC,
//     the app scheme) and reads what they asked Electron to do (webPreferences, privileges,
//     the URL loaded, the order of calls around `ready`);
//   - source: the TypeScript AST of src/main and src/preload (every BrowserWindow, every
//     ipcMain call, no openExternal, no loadFile);
//   - build: the bundles Electron would run (out/main/index.js, out/preload/index.cjs), rebuilt
//     here only when missing or older than their sources.
// What none of this can show (Chromium enforcing the CSP, the sandbox, real senderFrame
// objects) is listed in README.md, "Security".
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { FuseV1Options } from '@electron/fuses'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { COMMAND_NAMES, IPC_EVENT_CHANNEL, ipcChannel } from '../../src/shared/contract.ts'
import { RENDERER_CSP, RENDERER_CSP_HEADER } from '../../src/main/host/csp.ts'
import { APP_PAGE_URL, rendererDevUrl } from '../../src/main/electron/app-url.ts'
import { ROOT, MAIN_BUNDLE, PRELOAD_BUNDLE, ensureBuilt, filesUnder } from './built-app.ts'
import { StandInWebContents, electronStandIn, preventableEvent, standIn, type StandInFrame } from './electron-stand-in.ts'

const fakes = vi.hoisted(() => {
  type EventListener = (event: string, payload: unknown) => void
  const listeners = new Set<EventListener>()
  const handled: { command: unknown; input: unknown }[] = []
  return {
    listeners,
    handled,
    api: {
      async handle(command: unknown, input: unknown) {
        handled.push({ command, input })
        return { ok: true, value: 'handled' }
      },
      subscribe(listener: EventListener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      close() {},
    },
    monitor: { onSample: () => () => {}, close: async () => {}, last: () => null, rate: () => 1, setRate: (hz: number) => hz },
    opened: { engine: { batches: () => [] }, close: async () => {} },
  }
})

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
vi.mock('../../src/main/host/api-host.ts', () => ({ createApiHost: () => fakes.api }))
vi.mock('../../src/main/host/persistent-engine.ts', () => ({ openPersistentEngine: async () => fakes.opened }))
vi.mock('../../src/main/engine/index.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  startMonitor: () => fakes.monitor,
}))

const root = ROOT

/** Every literal value a bundle gives `name` in an object literal, minified (`!0`) or not. */
function bundleFlags(bundle: string, name: string): boolean[] {
  const re = new RegExp(`(?<![\\w$])${name}\\s*:\\s*(true|false|!0|!1)(?![\\w$])`, 'g')
  return [...bundle.matchAll(re)].map((m) => m[1] === 'true' || m[1] === '!0')
}

// ---------------------------------------------------------------------------------------------
// The source

const parsed = new Map<string, ts.SourceFile>()
function parse(file: string): ts.SourceFile {
  let source = parsed.get(file)
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    parsed.set(file, source)
  }
  return source
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node)
  node.forEachChild((child) => walk(child, visit))
}

/** Files Electron runs: the adapters, main's entry, the preload (the engine and host never import electron). */
const ELECTRON_SOURCES = [
  join(root, 'src/main/index.ts'),
  ...filesUnder(join(root, 'src/main/electron'), /\.ts$/),
  ...filesUnder(join(root, 'src/preload'), /\.ts$/),
]
/** Everything that ends up in the main or preload bundle. */
const ALL_MAIN_SOURCES = [
  ...filesUnder(join(root, 'src/main'), /\.ts$/),
  ...filesUnder(join(root, 'src/preload'), /\.ts$/),
  ...filesUnder(join(root, 'src/shared'), /\.ts$/),
]

/** `receiver.method(...)` calls in the given files, as `file: receiver.method`. */
function memberCalls(files: string[], receiver: RegExp, method: RegExp = /.*/): string[] {
  const found: string[] = []
  for (const file of files) {
    walk(parse(file), (node) => {
      if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return
      const { expression, name } = node.expression
      if (receiver.test(expression.getText()) && method.test(name.text)) {
        found.push(`${relative(root, file)}: ${expression.getText()}.${name.text}`)
      }
    })
  }
  return found
}

/** The webPreferences of every `new BrowserWindow({...})` in the Electron sources, as written. */
function browserWindowPreferences(): { file: string; prefs: Map<string, string> }[] {
  const sites: { file: string; prefs: Map<string, string> }[] = []
  for (const file of ELECTRON_SOURCES) {
    walk(parse(file), (node) => {
      if (!ts.isNewExpression(node) || node.expression.getText() !== 'BrowserWindow') return
      const options = node.arguments?.[0]
      const prefs = new Map<string, string>()
      if (options && ts.isObjectLiteralExpression(options)) {
        for (const property of options.properties) {
          if (!ts.isPropertyAssignment(property) || property.name.getText() !== 'webPreferences') continue
          if (!ts.isObjectLiteralExpression(property.initializer)) continue
          for (const pref of property.initializer.properties) {
            if (ts.isPropertyAssignment(pref)) prefs.set(pref.name.getText(), pref.initializer.getText())
            else prefs.set(pref.getText(), '(not a plain property)')
          }
        }
      }
      sites.push({ file: relative(root, file), prefs })
    })
  }
  return sites
}

const read = (path: string) => readFileSync(join(root, path), 'utf8')

// ---------------------------------------------------------------------------------------------
// Electron main and preload, run against the stand-in

let mainBundle = ''
let preloadBundle = ''
let userData = ''
const beforeReady: string[] = []

type Window = (typeof standIn.windows)[number]
const theWindow = (): Window => {
  const window = standIn.windows[0]
  if (!window) throw new Error('no window was created')
  return window
}

beforeAll(async () => {
  ensureBuilt()
  mainBundle = readFileSync(MAIN_BUNDLE, 'utf8')
  preloadBundle = readFileSync(PRELOAD_BUNDLE, 'utf8')

  delete process.env.ELECTRON_RENDERER_URL
  userData = mkdtempSync(join(tmpdir(), 'corelane-security-'))
  standIn.userData = userData
  await import('../../src/main/index.ts')
  beforeReady.push(...standIn.log)
  standIn.becomeReady()
  await vi.waitFor(
    () => {
      if (standIn.errorBoxes.length) throw new Error(`main failed to start: ${standIn.errorBoxes.join('; ')}`)
      if (theWindow().loads.length === 0) throw new Error('the window has loaded nothing yet')
    },
    { timeout: 10_000, interval: 10 },
  )
  await import('../../src/preload/index.ts')
}, 60_000)

afterAll(() => {
  rmSync(userData, { recursive: true, force: true })
})

function straySender(): StandInWebContents {
  const contents = new StandInWebContents()
  electronStandIn.app.emit('web-contents-created', preventableEvent(), contents)
  return contents
}

describe("Electron's security checklist", () => {
  it('1. Only load secure content: the window loads corelane://app (a secure scheme), the CSP allows no remote origin', () => {
    const window = theWindow()
    expect(window.loads).toEqual([{ method: 'loadURL', target: APP_PAGE_URL }])
    expect(standIn.privilegedSchemes).toContainEqual(
      expect.objectContaining({ scheme: 'corelane', privileges: expect.objectContaining({ secure: true }) }),
    )
    // The dev server is the only other page: http on loopback, never in a packaged app.
    expect(rendererDevUrl('http://example.com:5173/', false)).toBeNull()
    expect(rendererDevUrl('http://127.0.0.1:5173/', true)).toBeNull()
    // Every source the policy allows is the page itself, inline data, or loopback.
    const allowed = new Set(["'self'", "'none'", "'unsafe-inline'", 'data:', 'blob:', 'ws://127.0.0.1:*', 'ws://localhost:*'])
    for (const directive of RENDERER_CSP_HEADER.split(';')) {
      const [, ...sources] = directive.trim().split(/\s+/)
      for (const source of sources) expect(allowed, `${directive.trim()}: ${source}`).toContain(source)
    }
    expect(RENDERER_CSP).not.toMatch(/https?:/)
  })

  it('2. No Node.js integration for remote content: nodeIntegration (and in workers, subframes) off', () => {
    const prefs = theWindow().options.webPreferences as Record<string, unknown>
    expect(prefs.nodeIntegration).toBe(false)
    expect(prefs.nodeIntegrationInWorker).toBe(false)
    expect(prefs.nodeIntegrationInSubFrames).toBe(false)
    for (const name of ['nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames']) {
      expect(bundleFlags(mainBundle, name), name).toEqual([false])
    }
  })

  it('3. Context isolation: contextIsolation on, and the preload goes through contextBridge', () => {
    const prefs = theWindow().options.webPreferences as Record<string, unknown>
    expect(prefs.contextIsolation).toBe(true)
    expect(bundleFlags(mainBundle, 'contextIsolation')).toEqual([true])
    expect(standIn.exposed.map((e) => e.key)).toEqual(['corelane'])
    expect(preloadBundle).not.toMatch(/\bwindow\.corelane\s*=|globalThis\.corelane\s*=/)
  })

  it('4. Process sandboxing: app.enableSandbox() before ready, sandbox on, the preload needs only electron', () => {
    expect(beforeReady).toContain('app.enableSandbox')
    expect(standIn.sandboxEnabled).toBe(true)
    expect((theWindow().options.webPreferences as Record<string, unknown>).sandbox).toBe(true)
    expect(bundleFlags(mainBundle, 'sandbox')).toEqual([true])
    expect(mainBundle).toMatch(/\bapp\.enableSandbox\(\)/)
    // A sandboxed preload can require only `electron` (and a few polyfills): it is one bundle.
    expect([...preloadBundle.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])).toEqual(['electron'])
  })

  it('5. Session permission requests: every request, check and device request is denied', async () => {
    const session = standIn.defaultSession
    const log = standIn.log
    expect(log.indexOf('session.setPermissionRequestHandler')).toBeLessThan(log.indexOf('new BrowserWindow'))
    const request = session.permissionRequestHandler!
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fullscreen',
      'unknown',
    ]) {
      const granted = await new Promise<boolean>((done) => request(theWindow().webContents, permission, done, {}))
      expect(granted, permission).toBe(false)
    }
    for (const permission of ['media', 'clipboard-sanitized-write', 'hid', 'serial']) {
      expect(session.permissionCheckHandler!(theWindow().webContents, permission, 'corelane://app', {}), permission).toBe(false)
    }
    expect(session.devicePermissionHandler!({ deviceType: 'usb', origin: 'corelane://app' })).toBe(false)
  })

  it('6. webSecurity is not disabled: set to true, never false anywhere in the bundle', () => {
    expect((theWindow().options.webPreferences as Record<string, unknown>).webSecurity).toBe(true)
    expect(bundleFlags(mainBundle, 'webSecurity')).toEqual([true])
    for (const site of browserWindowPreferences()) expect(site.prefs.get('webSecurity') ?? 'true', site.file).toBe('true')
  })

  it('7. Content-Security-Policy: set on app-scheme answers and on every http(s) response, same as the <meta>', async () => {
    // Strict where it matters: no inline or eval'd script, no plugins, no <base>, no framing.
    expect(RENDERER_CSP_HEADER).toMatch(/(^|; )script-src 'self'(;|$)/)
    expect(RENDERER_CSP_HEADER).not.toMatch(/unsafe-eval/)
    for (const part of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"]) {
      expect(RENDERER_CSP_HEADER).toContain(part)
    }
    expect(read('src/renderer/index.html')).toContain(`content="${RENDERER_CSP}"`)
    // The app scheme, as registered by main (serving src/renderer when run from source).
    const handler = standIn.protocolHandlers.get('corelane')!
    const page = await handler(new Request(APP_PAGE_URL))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBe(RENDERER_CSP_HEADER)
    // webRequest: a response's own policy is replaced, other headers kept.
    let replaced: unknown
    standIn.defaultSession.headersReceived!(
      { responseHeaders: { 'content-security-policy': ["default-src * 'unsafe-eval'"], 'X-Other': ['1'] } },
      (response) => (replaced = response),
    )
    expect(replaced).toEqual({ responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [RENDERER_CSP_HEADER] } })
  })

  it('8. allowRunningInsecureContent is not enabled', () => {
    expect((theWindow().options.webPreferences as Record<string, unknown>).allowRunningInsecureContent).toBe(false)
    expect(bundleFlags(mainBundle, 'allowRunningInsecureContent')).toEqual([false])
  })

  it('9. No experimental features: experimentalFeatures is never set', () => {
    expect(theWindow().options.webPreferences).not.toHaveProperty('experimentalFeatures')
    expect(mainBundle).not.toContain('experimentalFeatures')
    for (const site of browserWindowPreferences()) expect(site.prefs.has('experimentalFeatures'), site.file).toBe(false)
  })

  it('10. No enableBlinkFeatures', () => {
    expect(theWindow().options.webPreferences).not.toHaveProperty('enableBlinkFeatures')
    expect(mainBundle).not.toContain('enableBlinkFeatures')
    for (const site of browserWindowPreferences()) expect(site.prefs.has('enableBlinkFeatures'), site.file).toBe(false)
  })

  it('11. <webview> allowpopups is not used: webviewTag off, no <webview> or allowpopups anywhere', () => {
    expect((theWindow().options.webPreferences as Record<string, unknown>).webviewTag).toBe(false)
    expect(bundleFlags(mainBundle, 'webviewTag')).toEqual([false])
    // The page's sources and build use no <webview>; nothing anywhere sets allowpopups.
    const web = [
      ...filesUnder(join(root, 'src/renderer'), /\.(ts|vue|html)$/),
      ...(existsSync(join(root, 'out/renderer')) ? filesUnder(join(root, 'out/renderer'), /\.(js|html)$/) : []),
    ]
    for (const file of web) expect(/<webview\b/i.test(readFileSync(file, 'utf8')), relative(root, file)).toBe(false)
    for (const file of [...web, ...ALL_MAIN_SOURCES]) {
      expect(/allowpopups/i.test(readFileSync(file, 'utf8')), relative(root, file)).toBe(false)
    }
    expect(mainBundle).not.toMatch(/allowpopups/i)
  })

  it('12. <webview> options are verified: will-attach-webview is prevented on every web contents', () => {
    for (const contents of [theWindow().webContents, straySender()]) {
      const event = preventableEvent()
      contents.emit(
        'will-attach-webview',
        event,
        { preload: '/tmp/evil.js', nodeIntegration: true },
        { src: 'https://evil.example/' },
      )
      expect(event.defaultPrevented).toBe(true)
    }
  })

  it('13. Navigation is disabled: will-navigate, will-frame-navigate and will-redirect are prevented', () => {
    for (const contents of [theWindow().webContents, straySender()]) {
      for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
        for (const url of ['https://evil.example/', 'file:///etc/passwd', APP_PAGE_URL]) {
          const event = Object.assign(preventableEvent(), { url, isMainFrame: true })
          contents.emit(name, event, url)
          expect(event.defaultPrevented, `${name} ${url}`).toBe(true)
        }
      }
    }
  })

  it('14. New windows are disabled: the window-open handler denies every URL', () => {
    for (const contents of [theWindow().webContents, straySender()]) {
      for (const url of ['https://evil.example/', APP_PAGE_URL, 'about:blank', 'javascript:alert(1)']) {
        expect(contents.windowOpenHandler?.({ url }), url).toEqual({ action: 'deny' })
      }
    }
  })

  it('15. shell.openExternal is not used: not in the sources, not in the bundles, never called', () => {
    const uses: string[] = []
    for (const file of ALL_MAIN_SOURCES) {
      walk(parse(file), (node) => {
        if (ts.isIdentifier(node) && node.text === 'openExternal') uses.push(relative(root, file))
      })
    }
    expect(uses).toEqual([])
    expect(mainBundle).not.toContain('openExternal')
    expect(preloadBundle).not.toContain('openExternal')
    expect(standIn.openedExternally).toEqual([])
  })

  it('16. A current Electron: 45.x pinned exactly, and the installed package and electron.d.ts are that version', () => {
    const pkg = JSON.parse(read('package.json')) as {
      devDependencies: Record<string, string>
      dependencies: Record<string, string>
    }
    const pinned = pkg.devDependencies.electron
    expect(pinned).toMatch(/^45\.\d+\.\d+$/)
    expect(pkg.dependencies.electron).toBeUndefined()
    const installed = (JSON.parse(read('node_modules/electron/package.json')) as { version: string }).version
    expect(installed).toBe(pinned)
    expect(read('node_modules/electron/electron.d.ts').split('\n', 1)[0]).toBe(`// Type definitions for Electron ${pinned}`)
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> }
    expect(lock.packages['node_modules/electron']?.version).toBe(pinned)
  })

  it('17. The sender of every IPC message is validated: each handler refuses other frames, windows and pages', async () => {
    // Source: ipcMain is used in one file only, for `handle` (invoke) channels.
    expect(memberCalls(ALL_MAIN_SOURCES, /^ipcMain$/)).toEqual(
      expect.arrayContaining([
        'src/main/electron/ipc-bridge.ts: ipcMain.handle',
        'src/main/electron/ipc-bridge.ts: ipcMain.removeHandler',
      ]),
    )
    expect(memberCalls(ALL_MAIN_SOURCES, /^ipcMain$/).filter((c) => !c.startsWith('src/main/electron/ipc-bridge.ts: '))).toEqual(
      [],
    )
    expect(memberCalls(ALL_MAIN_SOURCES, /^ipcMain$/, /^(on|once|addListener|handleOnce)$/)).toEqual([])

    // Behaviour: exactly the contract's channels are handled, and each one checks its sender.
    expect([...standIn.ipcHandlers.keys()].sort()).toEqual(COMMAND_NAMES.map(ipcChannel).sort())
    const contents = theWindow().webContents
    const main = contents.mainFrame
    expect(main.url).toBe(APP_PAGE_URL)
    const stray = straySender()
    stray.mainFrame.url = APP_PAGE_URL
    const untrusted: [string, { sender: unknown; senderFrame: StandInFrame | null }][] = [
      ['another web contents', { sender: stray, senderFrame: stray.mainFrame }],
      [
        'an iframe',
        { sender: contents, senderFrame: { parent: main, processId: main.processId, routingId: 2, url: APP_PAGE_URL } },
      ],
      ['another frame', { sender: contents, senderFrame: { ...main, routingId: main.routingId + 7 } }],
      ['a foreign page', { sender: contents, senderFrame: { ...main, url: 'https://evil.example/' } }],
      ['a file:// page', { sender: contents, senderFrame: { ...main, url: 'file:///tmp/out/renderer/index.html' } }],
      ['another app host', { sender: contents, senderFrame: { ...main, url: 'corelane://evil/index.html' } }],
      ['a frame that is gone', { sender: contents, senderFrame: null }],
    ]
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      for (const [channel, handler] of standIn.ipcHandlers) {
        for (const [what, event] of untrusted) {
          const before = fakes.handled.length
          await expect(
            Promise.resolve().then(() => handler(event as never, { x: 1 } as never)),
            `${channel} from ${what}`,
          ).rejects.toThrow(/refused/)
          expect(fakes.handled.length, `${channel} from ${what}`).toBe(before)
        }
        const input = { from: channel }
        await expect(Promise.resolve(handler({ sender: contents, senderFrame: main } as never, input as never))).resolves.toEqual(
          {
            ok: true,
            value: 'handled',
          },
        )
        expect(fakes.handled.at(-1)).toEqual({ command: channel.slice('corelane:'.length), input })
      }
    } finally {
      warn.mockRestore()
    }

    // Events go to the window only while it shows the app.
    const sent = contents.sent.length
    for (const listener of fakes.listeners) listener('stats', { cores: 2 })
    expect(contents.sent.slice(sent)).toEqual([{ channel: IPC_EVENT_CHANNEL, args: [{ event: 'stats', payload: { cores: 2 } }] }])
    main.url = 'https://evil.example/'
    try {
      for (const listener of fakes.listeners) listener('stats', { cores: 2 })
      expect(contents.sent.length).toBe(sent + 1)
    } finally {
      main.url = APP_PAGE_URL
    }
  })

  it('18. No file://: the built UI is served over the privileged corelane:// scheme', async () => {
    // Privileges exactly: standard, secure, fetch; never bypassCSP. Registered before ready.
    expect(standIn.privilegedSchemes).toEqual([
      { scheme: 'corelane', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ])
    expect(beforeReady).toContain('protocol.registerSchemesAsPrivileged')
    const log = standIn.log
    expect(log.indexOf('protocol.handle corelane')).toBeGreaterThan(log.indexOf('ready'))
    expect(log.indexOf('protocol.handle corelane')).toBeLessThan(log.indexOf(`loadURL ${APP_PAGE_URL}`))
    expect(theWindow().loads.every((load) => load.method === 'loadURL' && load.target.startsWith('corelane://app/'))).toBe(true)
    // The registered handler confines requests to the renderer folder (src/renderer from source).
    const handler = standIn.protocolHandlers.get('corelane')!
    expect((await handler(new Request('corelane://app/'))).headers.get('content-type')).toBe('text/html; charset=utf-8')
    for (const url of [
      'corelane://app/..%2fmain%2findex.ts',
      'corelane://app/%2e%2e/main/index.ts',
      'corelane://app/..%5cmain%5cindex.ts',
    ]) {
      expect((await handler(new Request(url))).status, url).toBe(404)
    }
    // Source and bundle: nothing loads a file.
    expect(memberCalls(ELECTRON_SOURCES, /./, /^loadFile$/)).toEqual([])
    expect(mainBundle).not.toMatch(/\.loadFile\(/)
    expect(mainBundle).toMatch(/registerSchemesAsPrivileged\(/)
    expect(mainBundle).not.toContain('bypassCSP')
  })

  it('19. Fuses: the packaging flips them after packing (RunAsNode, NODE_OPTIONS, --inspect off; asar-only and integrity on)', async () => {
    // Configuration: electron-builder.ts packs into asar and runs scripts/after-pack.ts, whose
    // fuse set is the checklist's; tests/electron/packaging.test.ts flips a stand-in binary with it.
    const { default: config } = await import('../../electron-builder.ts')
    const { afterPack, FUSES } = await import('../../scripts/after-pack.ts')
    expect(config.asar).toBe(true)
    expect(config.afterPack).toBe(afterPack)
    expect(FUSES).toEqual({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    })
    // With RunAsNode off, `child_process.fork` from the app would start a second app, not Node:
    // the Electron side never imports it (process workers are utilityProcess children).
    for (const file of ELECTRON_SOURCES) {
      expect(read(relative(root, file)), relative(root, file)).not.toMatch(/from 'node:child_process'/)
    }
    expect(mainBundle).toMatch(/utilityProcess\.fork\(/)
    // One packager only, configured in one place.
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, unknown> | undefined>
    expect(pkg.build, 'package.json "build" would be merged into electron-builder.ts').toBeUndefined()
    expect(readdirSync(root).filter((name) => /^(electron-builder|forge\.config|\.electron-builder)/.test(name))).toEqual([
      'electron-builder.ts',
    ])
  })

  it('20. No Electron APIs exposed to the page: the preload exposes exactly `call` and `on`, allow-listed', async () => {
    // Source and bundle: one exposeInMainWorld call.
    expect(memberCalls(ELECTRON_SOURCES, /contextBridge$/)).toEqual(['src/preload/index.ts: contextBridge.exposeInMainWorld'])
    expect(preloadBundle.match(/exposeInMainWorld\(/g)).toHaveLength(1)
    // Behaviour: the real preload, with the stand-in's contextBridge and ipcRenderer.
    expect(standIn.exposed).toHaveLength(1)
    const { key, api } = standIn.exposed[0]!
    expect(key).toBe('corelane')
    const exposed = api as Record<string, unknown> & {
      call(command: unknown, input: unknown): Promise<unknown>
      on(event: unknown, listener: unknown): () => void
    }
    expect(Object.keys(exposed).sort()).toEqual(['call', 'on'])
    expect(Object.isFrozen(exposed)).toBe(true)
    expect(Object.values(exposed).every((value) => typeof value === 'function')).toBe(true)
    expect(Object.values(exposed)).not.toContain(standIn.ipcRenderer)

    const ipc = standIn.ipcRenderer
    for (const command of ['evil', 'corelane:pause', '__proto__', 'constructor']) {
      await expect(exposed.call(command, {})).rejects.toMatchObject({ code: 'unknown-command' })
    }
    expect(ipc.invoked).toEqual([])
    expect(await exposed.call('pause', {})).toBe('answer of corelane:pause')
    expect(ipc.invoked).toEqual([{ channel: ipcChannel('pause'), args: [{}] }])
    expect(() => exposed.on('secrets', () => {})).toThrow(/unknown event/)
    const got: unknown[] = []
    const off = exposed.on('stats', (...args: unknown[]) => got.push(args))
    ipc.emit(IPC_EVENT_CHANNEL, { sender: 'the IPC event, never for the page' }, { event: 'stats', payload: { cores: 2 } })
    expect(got).toEqual([[{ cores: 2 }]])
    off()
    expect(ipc.listenerCount(IPC_EVENT_CHANNEL)).toBe(0)
  })
})
