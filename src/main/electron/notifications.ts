// A native notification when a batch ends, so a long batch can run in the background. Not
// while the Corelane window has focus: the window already shows it.
import { Notification, type BrowserWindow } from 'electron'
import type { ApiHost } from '../host/api-host.ts'
import type { BatchView } from '../../shared/job.ts'
import { createBatchEndTracker, describeBatchEnd } from './batch-endings.ts'

export interface BatchNotifierOptions {
  api: ApiHost
  /** Batches that exist when watching starts (they are not announced). */
  initial: BatchView[]
  getWindow: () => BrowserWindow | null
  /** Clicking a notification brings the window back. */
  onClick: () => void
  /** The user's setting, read at each batch end (default: on). */
  enabled?: () => boolean
}

/** Starts watching; returns a function that stops it. */
export function notifyBatchEnds(options: BatchNotifierOptions): () => void {
  const tracker = createBatchEndTracker(options.initial)
  return options.api.subscribe((event, payload) => {
    if (event !== 'batches') return
    const ended = tracker.update(payload as BatchView[])
    if (!ended.length || options.enabled?.() === false || !Notification.isSupported()) return
    const window = options.getWindow()
    if (window && !window.isDestroyed() && window.isFocused()) return
    // Many batches ending together (a preset of several) make one notification, not a burst.
    const { title, body } =
      ended.length === 1
        ? describeBatchEnd(ended[0]!)
        : { title: `${ended.length} batches ended`, body: ended.map((b) => b.name).join(', ') }
    const notification = new Notification({ title, body })
    notification.on('click', options.onClick)
    notification.show()
  })
}
