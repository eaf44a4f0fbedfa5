// Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security),
// the items about what a page may reach beyond itself: §5 permission requests, §12 <webview>
// attaching, §13 navigation, §14 new windows, §15 shell.openExternal. The real main process runs
// against the electron stand-in (security-main.ts); the test drives the handlers it installed,
// on the app's window and on a stray web contents, and reads the source and bundles
// (security-sources.ts).
import { describe, expect, it, vi } from 'vitest'
import { APP_PAGE_URL } from '../../src/main/electron/app-url.ts'
import { preventableEvent, standIn } from './electron-stand-in.ts'
import { startMainBeforeAll, straySender, theWindow } from './security-main.ts'
import { bundle, ALL_MAIN_SOURCES, filesNaming } from './security-sources.ts'

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
// FAKE: the engine services (the API host, the database, the monitor); these checks are about Electron.
vi.mock('../../src/main/host/api-host.ts', async () => (await import('./security-main.ts')).fakeApiHostModule())
vi.mock('../../src/main/host/persistent-engine.ts', async () => (await import('./security-main.ts')).fakePersistentEngineModule())
vi.mock('../../src/main/engine/index.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutMonitor(await importOriginal()),
)

startMainBeforeAll()

describe("Electron's security checklist", () => {
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
    expect(filesNaming(ALL_MAIN_SOURCES, 'openExternal')).toEqual([])
    expect(bundle.main).not.toContain('openExternal')
    expect(bundle.preload).not.toContain('openExternal')
    expect(standIn.openedExternally).toEqual([])
  })
})
