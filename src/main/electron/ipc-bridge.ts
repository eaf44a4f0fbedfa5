// The contract over Electron IPC: one `ipcMain.handle` per contract command and one event
// channel, nothing else. Each call must come from the main frame of the Corelane window
// showing the app's own page (a frame that navigated elsewhere, an iframe, another window:
// refused); its payload is then checked by the API host against the command's schema.
// Answers travel as CommandResponse objects, which the preload unwraps, so error codes and
// field names survive the trip (a thrown Error would arrive as a bare message).
import { ipcMain, type BrowserWindow } from 'electron'
import { COMMAND_NAMES, IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/contract.ts'
import type { ApiHost } from '../host/api-host.ts'
import { isTrustedSender } from './app-url.ts'

export interface IpcBridgeOptions {
  api: ApiHost
  /** The one window allowed to call; null while there is none. */
  getWindow: () => BrowserWindow | null
  isAppUrl: (url: string) => boolean
}

/** Registers the handlers and the event forwarding; returns a function that removes them. */
export function registerIpcBridge(options: IpcBridgeOptions): () => void {
  const { api, getWindow, isAppUrl } = options
  for (const command of COMMAND_NAMES) {
    ipcMain.handle(ipcChannel(command), (event, input: unknown) => {
      if (!isTrustedSender(event, getWindow(), isAppUrl)) {
        console.warn(`corelane: refused "${command}" from ${event.senderFrame?.url ?? 'a frame that is gone'}`)
        throw new Error('Corelane refused a command from a page that is not its window')
      }
      return api.handle(command, input)
    })
  }
  const unsubscribe = api.subscribe((event, payload) => {
    const window = getWindow()
    if (!window || window.isDestroyed() || window.webContents.isDestroyed()) return
    // Navigation is blocked, but events are for the app's page only, whatever it shows.
    if (!isAppUrl(window.webContents.getURL())) return
    window.webContents.send(IPC_EVENT_CHANNEL, { event, payload })
  })
  return () => {
    unsubscribe()
    for (const command of COMMAND_NAMES) ipcMain.removeHandler(ipcChannel(command))
  }
}
