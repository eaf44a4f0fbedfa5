// Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security),
// the items about the window's webPreferences: §2 no Node.js integration, §3 context isolation,
// §4 the sandbox, §6 webSecurity, §8 no insecure content, §9 no experimental features, §10 no
// Blink features, §11 no <webview>. Each is read three ways: what the real main process asked the
// electron stand-in for (security-main.ts), what its source writes and what its bundle holds
// (security-sources.ts). What none of this can show (Chromium's sandbox itself) is listed in
// README.md, "Security".
import { existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { ROOT, filesUnder } from './built-app.ts'
import { standIn } from './electron-stand-in.ts'
import { beforeReady, startMainBeforeAll, theWindow } from './security-main.ts'
import { bundle, ALL_MAIN_SOURCES, browserWindowPreferences, bundleFlags } from './security-sources.ts'

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
// FAKE: the engine services (the API host, the database, the monitor); these checks are about Electron.
vi.mock('../../src/main/host/api-host.ts', async () => (await import('./security-main.ts')).fakeApiHostModule())
vi.mock('../../src/main/host/persistent-engine.ts', async () => (await import('./security-main.ts')).fakePersistentEngineModule())
vi.mock('../../src/main/engine/index.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutMonitor(await importOriginal()),
)

startMainBeforeAll()

describe("Electron's security checklist", () => {
  it('2. No Node.js integration for remote content: nodeIntegration (and in workers, subframes) off', () => {
    const prefs = theWindow().options.webPreferences as Record<string, unknown>
    expect(prefs.nodeIntegration).toBe(false)
    expect(prefs.nodeIntegrationInWorker).toBe(false)
    expect(prefs.nodeIntegrationInSubFrames).toBe(false)
    for (const name of ['nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames']) {
      expect(bundleFlags(bundle.main, name), name).toEqual([false])
    }
  })

  it('3. Context isolation: contextIsolation on, and the preload goes through contextBridge', () => {
    const prefs = theWindow().options.webPreferences as Record<string, unknown>
    expect(prefs.contextIsolation).toBe(true)
    expect(bundleFlags(bundle.main, 'contextIsolation')).toEqual([true])
    expect(standIn.exposed.map((e) => e.key)).toEqual(['corelane'])
    expect(bundle.preload).not.toMatch(/\bwindow\.corelane\s*=|globalThis\.corelane\s*=/)
  })

  it('4. Process sandboxing: app.enableSandbox() before ready, sandbox on, the preload needs only electron', () => {
    expect(beforeReady).toContain('app.enableSandbox')
    expect(standIn.sandboxEnabled).toBe(true)
    expect((theWindow().options.webPreferences as Record<string, unknown>).sandbox).toBe(true)
    expect(bundleFlags(bundle.main, 'sandbox')).toEqual([true])
    expect(bundle.main).toMatch(/\bapp\.enableSandbox\(\)/)
    // A sandboxed preload can require only `electron` (and a few polyfills): it is one bundle.
    expect([...bundle.preload.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])).toEqual(['electron'])
  })

  it('6. webSecurity is not disabled: set to true, never false anywhere in the bundle', () => {
    expect((theWindow().options.webPreferences as Record<string, unknown>).webSecurity).toBe(true)
    expect(bundleFlags(bundle.main, 'webSecurity')).toEqual([true])
    for (const site of browserWindowPreferences()) expect(site.prefs.get('webSecurity') ?? 'true', site.file).toBe('true')
  })

  it('8. allowRunningInsecureContent is not enabled', () => {
    expect((theWindow().options.webPreferences as Record<string, unknown>).allowRunningInsecureContent).toBe(false)
    expect(bundleFlags(bundle.main, 'allowRunningInsecureContent')).toEqual([false])
  })

  it('9. No experimental features: experimentalFeatures is never set', () => {
    expect(theWindow().options.webPreferences).not.toHaveProperty('experimentalFeatures')
    expect(bundle.main).not.toContain('experimentalFeatures')
    for (const site of browserWindowPreferences()) expect(site.prefs.has('experimentalFeatures'), site.file).toBe(false)
  })

  it('10. No enableBlinkFeatures', () => {
    expect(theWindow().options.webPreferences).not.toHaveProperty('enableBlinkFeatures')
    expect(bundle.main).not.toContain('enableBlinkFeatures')
    for (const site of browserWindowPreferences()) expect(site.prefs.has('enableBlinkFeatures'), site.file).toBe(false)
  })

  it('11. <webview> allowpopups is not used: webviewTag off, no <webview> or allowpopups anywhere', () => {
    expect((theWindow().options.webPreferences as Record<string, unknown>).webviewTag).toBe(false)
    expect(bundleFlags(bundle.main, 'webviewTag')).toEqual([false])
    // The page's sources and build use no <webview>; nothing anywhere sets allowpopups.
    const web = [
      ...filesUnder(join(ROOT, 'src/renderer'), /\.(ts|vue|html)$/),
      ...(existsSync(join(ROOT, 'out/renderer')) ? filesUnder(join(ROOT, 'out/renderer'), /\.(js|html)$/) : []),
    ]
    for (const file of web) expect(/<webview\b/i.test(readFileSync(file, 'utf8')), relative(ROOT, file)).toBe(false)
    for (const file of [...web, ...ALL_MAIN_SOURCES]) {
      expect(/allowpopups/i.test(readFileSync(file, 'utf8')), relative(ROOT, file)).toBe(false)
    }
    expect(bundle.main).not.toMatch(/allowpopups/i)
  })
})
