// Which page is "the app": the built renderer served over the app's own privileged scheme
// (`corelane://app/`, see app-protocol.ts), or, in development only, the electron-vite dev
// server on loopback; and whether an IPC call comes from the main frame of the app's window
// showing it. Only types come from electron, so it is tested on plain Node.
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron'

/** The custom scheme that serves out/renderer (Electron's checklist: no file://). */
export const APP_SCHEME = 'corelane'
/** Its one host: every URL of the built app starts with APP_ORIGIN. */
export const APP_HOST = 'app'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
/** What the window loads outside development. */
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * The dev server to load, from electron-vite's ELECTRON_RENDERER_URL. Never in a packaged
 * app (an environment variable must not be able to point the window at another site), and
 * only an http URL on loopback.
 */
export function rendererDevUrl(value: string | undefined, isPackaged: boolean): string | null {
  if (isPackaged || !value) return null
  try {
    const url = new URL(value)
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) ? url.href : null
  } catch {
    return null
  }
}

/**
 * True when `url` belongs to the app's origin: exactly `corelane://app` (no port, no user
 * info), or the dev server's origin when one is in use (and then only that). Node's URL gives
 * a non-special scheme the origin "null", so scheme and host are compared, not `.origin`.
 */
export function createAppUrlCheck(options: { devUrl: string | null }): (url: string) => boolean {
  const devOrigin = options.devUrl ? new URL(options.devUrl).origin : null
  return (candidate) => {
    let url: URL
    try {
      url = new URL(candidate)
    } catch {
      return false
    }
    if (devOrigin) return url.origin === devOrigin
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === ''
  }
}

type SenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>
type AppWindow = Pick<BrowserWindow, 'isDestroyed' | 'webContents'>

/**
 * True when the call comes from the window's own top frame (not an iframe, not another
 * window or webContents) and that frame shows the app's page.
 */
export function isTrustedSender(event: SenderEvent, window: AppWindow | null, isAppUrl: (url: string) => boolean): boolean {
  if (!window || window.isDestroyed()) return false
  const contents = window.webContents
  if (event.sender !== contents) return false
  const frame = event.senderFrame
  const main = contents.mainFrame
  if (!frame || !main || frame.parent !== null) return false
  if (frame.processId !== main.processId || frame.routingId !== main.routingId) return false
  return isAppUrl(frame.url)
}
