// Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security),
// the items about what the window loads and under which policy: §1 secure content only, §7 the
// Content-Security-Policy, §18 the app scheme instead of file://. Shown on the real main process
// run against the electron stand-in (security-main.ts), on its source and on its bundle
// (security-sources.ts). What none of this can show (Chromium enforcing the CSP) is listed in
// README.md, "Security".
import { describe, expect, it, vi } from 'vitest'
import { RENDERER_CSP, RENDERER_CSP_HEADER } from '../../src/main/host/csp.ts'
import { APP_PAGE_URL, rendererDevUrl } from '../../src/main/electron/app-url.ts'
import { standIn } from './electron-stand-in.ts'
import { beforeReady, startMainBeforeAll, theWindow } from './security-main.ts'
import { bundle, ELECTRON_SOURCES, memberCalls, read } from './security-sources.ts'

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
// FAKE: the engine services (the API host, the database, the monitor); these checks are about Electron.
vi.mock('../../src/main/host/api-host.ts', async () => (await import('./security-main.ts')).fakeApiHostModule())
vi.mock('../../src/main/host/persistent-engine.ts', async () => (await import('./security-main.ts')).fakePersistentEngineModule())
vi.mock('../../src/main/engine/index.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutMonitor(await importOriginal()),
)

startMainBeforeAll()

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
    expect(bundle.main).not.toMatch(/\.loadFile\(/)
    expect(bundle.main).toMatch(/registerSchemesAsPrivileged\(/)
    expect(bundle.main).not.toContain('bypassCSP')
  })
})
