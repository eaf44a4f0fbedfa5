// The tray icon: total CPU % from the monitor, as a drawn meter and in the tooltip (and as
// the menu-bar title on macOS). Redrawn at most once a second and only when the whole
// percentage changes: a tray update is a round trip to the OS shell.
import { Menu, Tray, nativeImage } from 'electron'
import type { Monitor } from '../engine/index.ts'
import { cpuMeterBitmap } from './meter-bitmap.ts'

export interface CpuTrayOptions {
  monitor: Monitor
  onShow: () => void
  onQuit: () => void
}

const MIN_UPDATE_MS = 1000

function meterImage(percent: number): Electron.NativeImage {
  const { width, height, pixels } = cpuMeterBitmap(percent)
  return nativeImage.createFromBitmap(pixels, { width, height, scaleFactor: 1 })
}

export function createCpuTray(options: CpuTrayOptions): { destroy(): void } {
  const tray = new Tray(meterImage(0))
  tray.setToolTip('Corelane')
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show Corelane', click: options.onShow },
      { type: 'separator' },
      { label: 'Quit Corelane', click: options.onQuit },
    ]),
  )
  tray.on('click', options.onShow)

  let shown = -1
  let lastUpdate = 0
  const off = options.monitor.onSample((sample) => {
    const now = Date.now()
    const percent = Math.round(sample.total)
    if (percent === shown || now - lastUpdate < MIN_UPDATE_MS || tray.isDestroyed()) return
    shown = percent
    lastUpdate = now
    tray.setImage(meterImage(percent))
    tray.setToolTip(`Corelane — CPU ${percent}%`)
    if (process.platform === 'darwin') tray.setTitle(` ${percent}%`)
  })
  return {
    destroy() {
      off()
      if (!tray.isDestroyed()) tray.destroy()
    },
  }
}
