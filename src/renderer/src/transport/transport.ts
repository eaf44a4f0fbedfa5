// The one thing the rest of the renderer knows about transports: a CorelaneApi plus the state
// of the connection behind it. `pickTransport()` chooses Electron IPC when the preload bridge is
// there, the WebSocket otherwise; stores and components never learn which one they got.
import type { CorelaneApi } from '../../../shared/contract.ts'
import { createIpcTransport } from './ipc-transport.ts'
import { createWsTransport, readToken, wsUrl } from './ws-transport.ts'

export type { CorelaneApi as Transport } from '../../../shared/contract.ts'

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed'

export interface ConnectionStatus {
  via: 'ipc' | 'ws'
  state: ConnectionState
  /** Failed attempts since the connection was last open. */
  attempt: number
  /** When the next reconnect attempt happens (epoch ms), while reconnecting. */
  retryAt: number | null
  /** The last reason the connection dropped or was refused, in words. */
  reason: string | null
}

/** A transport and its connection: the API for stores, the status for the UI. */
export interface Link {
  api: CorelaneApi
  status(): ConnectionStatus
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  /** Skip the backoff wait and try to reconnect now (no-op when open or over IPC). */
  reconnectNow(): void
  close(): void
}

export function pickTransport(win: Window = window): Link {
  if (win.corelane) return createIpcTransport(win.corelane)
  const token = readToken(win.location, win.sessionStorage, win.history)
  return createWsTransport({ url: wsUrl(win.location, token) })
}
