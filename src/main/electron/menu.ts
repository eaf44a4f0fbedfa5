// The application menu: the standard roles only (edit, view, window; the app menu on macOS),
// so shortcuts such as copy, zoom and full screen behave as on every other app. Developer
// tools only in development.
import { Menu, type MenuItemConstructorOptions } from 'electron'

export function installAppMenu(options: { isDev: boolean }): void {
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
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
