// The link to the engine: which API the other stores talk to, the connection state the UI
// shows, and (re)loading everything from a snapshot whenever the connection (re)opens.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { CorelaneApi } from '../../../shared/contract.ts'
import { CommandError, toCommandError } from '../transport/errors.ts'
import type { ConnectionStatus, Link } from '../transport/transport.ts'
import { connect } from './connect.ts'

export type Phase = 'idle' | 'loading' | 'ready' | 'error'

export const useSessionStore = defineStore('session', () => {
  const api = shallowRef<CorelaneApi | null>(null)
  const phase = ref<Phase>('idle')
  const loadError = ref<string | null>(null)
  const connection = shallowRef<ConnectionStatus>({ via: 'ipc', state: 'connecting', attempt: 0, retryAt: null, reason: null })
  let link: Link | null = null
  let disconnect: (() => void) | null = null
  let loading = false

  function requireApi(): CorelaneApi {
    if (!api.value) throw new CommandError({ code: 'internal', message: 'Not connected to the engine yet' })
    return api.value
  }

  /** Loads the snapshot and subscribes; called at start and after every reconnect. */
  async function load(): Promise<void> {
    if (!api.value || loading) return
    loading = true
    if (phase.value !== 'ready') phase.value = 'loading'
    try {
      disconnect?.()
      disconnect = null
      disconnect = await connect(api.value)
      phase.value = 'ready'
      loadError.value = null
    } catch (err) {
      loadError.value = toCommandError(err).message
      if (phase.value !== 'ready') phase.value = 'error'
    } finally {
      loading = false
    }
  }

  /** Starts talking to the engine through `next` (a transport plus its connection state). */
  async function start(next: Link): Promise<void> {
    link?.close()
    link = next
    api.value = next.api
    connection.value = next.status()
    next.onStatus((status) => {
      const before = connection.value.state
      connection.value = status
      if (status.state === 'open' && before !== 'open') void load()
    })
    await load()
  }

  function reconnectNow(): void {
    link?.reconnectNow()
  }

  return { api, phase, loadError, connection, requireApi, load, start, reconnectNow }
})
