// Which page is "the app": the built renderer's index.html over file://, or, in development
// only, the electron-vite dev server on loopback; and whether an IPC call comes from the main
// frame of the app's window showing it. Only types come from electron, so it is tested on
// plain Node.
import { pathToFileURL } from 'node:url'
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron'

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

export function createAppUrlCheck(options: { indexFile: string; devUrl: string | null }): (url: string) => boolean {
  const index = pathToFileURL(options.indexFile)
  const devOrigin = options.devUrl ? new URL(options.devUrl).origin : null
  return (candidate) => {
    let url: URL
    try {
      url = new URL(candidate)
    } catch {
      return false
    }
    if (devOrigin) return url.origin === devOrigin
    // Query and hash are the page's own business (routing state); the file must be ours.
    return url.protocol === 'file:' && url.host === '' && url.pathname === index.pathname
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
