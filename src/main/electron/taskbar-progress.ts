// Running batches on the taskbar (Windows, Linux launchers) or the dock (macOS): a progress
// bar while jobs are left, removed when the last batch ends, and the count of failed jobs as
// the app's badge (macOS dock, Unity launchers; Windows has no numeric badge). Updated only
// when what is shown changes: each call is a round trip to the OS shell. Switchable in settings.
import { app, type BrowserWindow } from 'electron'
import type { ApiHost } from '../host/api-host.ts'
import type { BatchView } from '../../shared/job.ts'
import { batchProgress } from './batch-progress.ts'

export interface TaskbarProgressOptions {
  api: ApiHost
  initial: BatchView[]
  getWindow: () => BrowserWindow | null
  /** Read on every update: turning the setting off clears the bar and the badge. */
  enabled: () => boolean
}

/** Starts showing; returns a function that stops and clears it. */
export function showTaskbarProgress(options: TaskbarProgressOptions): { refresh(batches?: BatchView[]): void; stop(): void } {
  let shownBar: number | null = null
  let shownBadge = 0
  let latest = options.initial

  function show(batches: BatchView[]): void {
    latest = batches
    const on = options.enabled()
    const { progress, failed } = on ? batchProgress(batches) : { progress: null, failed: 0 }
    // Whole percents: finer steps would not show, and each one is a call to the shell.
    const bar = progress === null ? null : Math.round(progress * 100) / 100
    const window = options.getWindow()
    if (bar !== shownBar && window && !window.isDestroyed()) {
      // -1 removes the bar.
      window.setProgressBar(bar === null ? -1 : bar)
      shownBar = bar
    }
    if (failed !== shownBadge) {
      app.setBadgeCount(failed)
      shownBadge = failed
    }
  }

  const off = options.api.subscribe((event, payload) => {
    if (event === 'batches') show(payload as BatchView[])
  })
  show(latest)
  return {
    refresh: (batches) => show(batches ?? latest),
    stop() {
      off()
      const window = options.getWindow()
      if (shownBar !== null && window && !window.isDestroyed()) window.setProgressBar(-1)
      if (shownBadge !== 0) app.setBadgeCount(0)
      shownBar = null
      shownBadge = 0
    },
  }
}
