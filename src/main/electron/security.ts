// Electron's security checklist, applied once for the whole app: every web contents may
// neither open windows, nor navigate away (main frame or any subframe), nor be redirected,
// nor attach <webview>s; the session denies every permission request and check; every
// http(s) response (the dev server) carries the renderer's CSP. The app scheme's own answers
// set the same CSP themselves (app-files.ts), and the <meta> in index.html repeats it.
import { app, type Session } from 'electron'
import { RENDERER_CSP_HEADER } from '../host/csp.ts'

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {}
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value
    }
    headers['Content-Security-Policy'] = [RENDERER_CSP_HEADER]
    callback({ responseHeaders: headers })
  })
}

export function hardenWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-navigate', (event) => event.preventDefault())
    contents.on('will-frame-navigate', (event) => event.preventDefault())
    contents.on('will-redirect', (event) => event.preventDefault())
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}
