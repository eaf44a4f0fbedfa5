// The application menu: the standard roles (edit, view, window; the app menu on macOS), so
// shortcuts such as copy, zoom and full screen behave as on every other app, plus "Open Logs
// Folder" (job logs, and where crash reports are) in the File menu. Developer tools only in
// development.
import { Menu, shell, type MenuItemConstructorOptions } from 'electron'

export interface AppMenuOptions {
  isDev: boolean
  /** The folder "Open Logs Folder" shows in the file manager. */
  logsDir: string
}

export function installAppMenu(options: AppMenuOptions): void {
  const isMac = process.platform === 'darwin'
  const view: MenuItemConstructorOptions[] = [
    ...(options.isDev
      ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const)
      : []),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ]
  const file: MenuItemConstructorOptions[] = [
    {
      label: 'Open Logs Folder',
      click: () => {
        // openPath answers with an error text instead of throwing: a missing folder is not a crash.
        void shell.openPath(options.logsDir).then((error) => {
          if (error) console.warn(`corelane: could not open ${options.logsDir}: ${error}`)
        })
      },
    },
    { type: 'separator' },
    isMac ? { role: 'close' } : { role: 'quit' },
  ]
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { label: 'File', submenu: file },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
