// Keeps the computer from suspending while batches run (Electron's powerSaveBlocker, the
// 'prevent-app-suspension' kind: the screen may still turn off), and lets it sleep again when
// the last batch ends. Switchable in settings.
import { powerSaveBlocker } from 'electron'
import type { ApiHost } from '../host/api-host.ts'
import type { BatchView } from '../../shared/job.ts'

export interface KeepAwakeOptions {
  api: ApiHost
  initial: BatchView[]
  /** Read on every change of the batches, and by refresh() after the setting changes. */
  enabled: () => boolean
}

export function keepAwakeWhileBatchesRun(options: KeepAwakeOptions): { refresh(): void; stop(): void } {
  let blocker: number | null = null
  let running = options.initial.some((batch) => batch.endedAt === null)

  function apply(): void {
    const want = running && options.enabled()
    if (want && blocker === null) blocker = powerSaveBlocker.start('prevent-app-suspension')
    if (!want && blocker !== null) {
      if (powerSaveBlocker.isStarted(blocker)) powerSaveBlocker.stop(blocker)
      blocker = null
    }
  }

  const off = options.api.subscribe((event, payload) => {
    if (event !== 'batches') return
    running = (payload as BatchView[]).some((batch) => batch.endedAt === null)
    apply()
  })
  apply()
  return {
    refresh: apply,
    stop() {
      off()
      running = false
      apply()
    },
  }
}
