// The connection to the engine as the UI shows it: the load phase, the last load error and the
// transport's status. It only records; start-up (startup/start-session.ts) drives it.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ConnectionStatus } from '../transport/transport.ts'

export type Phase = 'idle' | 'loading' | 'ready' | 'error'

export const useSessionStore = defineStore('session', () => {
  const phase = ref<Phase>('idle')
  const loadError = ref<string | null>(null)
  const connection = shallowRef<ConnectionStatus>({ via: 'ipc', state: 'connecting', attempt: 0, retryAt: null, reason: null })
  return { phase, loadError, connection }
})
