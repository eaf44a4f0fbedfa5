// Web mode: the same CorelaneApi over one WebSocket to the local server. Requests are
// `{ id, command, input }` answered by `{ id, ok, value | error }`; events arrive as
// `{ event, payload }`. The socket reconnects with capped, jittered exponential backoff and
// reports its state so the UI can say "Reconnecting…" instead of silently going stale.
import type { CommandName, CorelaneApi, EventName, EventPayloads } from '../../../shared/contract.ts'
import { CommandError, toCommandError } from './errors.ts'
import type { ConnectionStatus, Link } from './transport.ts'

const TOKEN_KEY = 'corelane.token'
/** Close codes the server uses to refuse a connection: retrying would not help. */
const REFUSED_CODES = new Set([1008, 4001, 4401, 4403])
const REFUSED_MESSAGE = 'The engine refused this page: its access token is missing or wrong'

export interface WsTransportOptions {
  url: string
  /** Injected in tests; the browser's WebSocket otherwise. */
  WebSocketImpl?: typeof WebSocket
  initialBackoffMs?: number
  maxBackoffMs?: number
  /** How long a command waits for the connection before failing. */
  sendTimeoutMs?: number
  random?: () => number
}

/** The token comes from `?token=` (the address `corelane serve` prints) or this tab's storage. */
export function readToken(location: Location, storage?: Storage, history?: History): string {
  const params = new URLSearchParams(location.search)
  const fromUrl = params.get('token')
  if (fromUrl) {
    try {
      storage?.setItem(TOKEN_KEY, fromUrl)
      // Keep the secret out of the address bar, screenshots and history once it is stored.
      params.delete('token')
      const query = params.toString()
      history?.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`)
    } catch {
      // Storage can be unavailable (private mode, sandbox): keep the token in the URL then.
    }
    return fromUrl
  }
  try {
    return storage?.getItem(TOKEN_KEY) ?? ''
  } catch {
    return ''
  }
}

export function wsUrl(location: Location, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: CommandError) => void
  message: string
  timer: ReturnType<typeof setTimeout> | null
}

function lost(message: string): CommandError {
  return new CommandError({ code: 'internal', message })
}

export function createWsTransport(options: WsTransportOptions): Link {
  const Impl = options.WebSocketImpl ?? WebSocket
  const initialBackoff = options.initialBackoffMs ?? 250
  const maxBackoff = options.maxBackoffMs ?? 10_000
  const sendTimeout = options.sendTimeoutMs ?? 15_000
  const random = options.random ?? Math.random

  let socket: WebSocket | null = null
  let nextId = 1
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let closed = false
  let status: ConnectionStatus = { via: 'ws', state: 'connecting', attempt: 0, retryAt: null, reason: null }

  const outbox = new Map<number, Pending>() // waiting for the socket to open
  const inflight = new Map<number, Pending>() // sent, waiting for the answer
  const listeners = new Map<EventName, Set<(payload: never) => void>>()
  const statusListeners = new Set<(status: ConnectionStatus) => void>()

  function setStatus(patch: Partial<ConnectionStatus>): void {
    status = { ...status, ...patch }
    for (const listener of statusListeners) listener(status)
  }

  function settle(id: number, pending: Pending): void {
    if (pending.timer) clearTimeout(pending.timer)
    outbox.delete(id)
    inflight.delete(id)
  }

  function flush(): void {
    for (const [id, pending] of outbox) {
      outbox.delete(id)
      inflight.set(id, pending)
      socket?.send(pending.message)
    }
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return
    let message: Record<string, unknown>
    try {
      message = JSON.parse(data) as Record<string, unknown>
    } catch {
      return
    }
    if (typeof message.id === 'number') {
      const pending = inflight.get(message.id)
      if (!pending) return
      settle(message.id, pending)
      if (message.ok === true) pending.resolve(message.value)
      else pending.reject(toCommandError(message.error ?? { message: 'The engine refused the command' }))
      return
    }
    if (typeof message.event === 'string') {
      const set = listeners.get(message.event as EventName)
      if (!set) return
      for (const listener of [...set]) {
        try {
          listener(message.payload as never)
        } catch (err) {
          console.error(`corelane: a "${message.event}" listener failed`, err)
        }
      }
    }
  }

  function scheduleReconnect(reason: string): void {
    const attempt = status.attempt + 1
    const base = Math.min(maxBackoff, initialBackoff * 2 ** (attempt - 1))
    const delay = Math.round(base * (0.5 + random() * 0.5))
    setStatus({ state: 'reconnecting', attempt, retryAt: Date.now() + delay, reason })
    retryTimer = setTimeout(open, delay)
  }

  function onClose(event: CloseEvent): void {
    socket = null
    for (const [id, pending] of inflight) {
      settle(id, pending)
      pending.reject(lost('The connection to the engine dropped before it answered; the command may or may not have run'))
    }
    if (closed) return setStatus({ state: 'closed', retryAt: null })
    if (REFUSED_CODES.has(event.code)) {
      for (const [id, pending] of outbox) {
        settle(id, pending)
        pending.reject(lost(REFUSED_MESSAGE))
      }
      return setStatus({ state: 'unauthorized', retryAt: null, reason: event.reason || 'The access token was refused' })
    }
    scheduleReconnect(event.reason || (status.state === 'open' ? 'The connection dropped' : 'The engine is not reachable'))
  }

  function open(): void {
    retryTimer = null
    if (closed) return
    if (status.state !== 'reconnecting') setStatus({ state: 'connecting' })
    let ws: WebSocket
    try {
      ws = new Impl(options.url)
    } catch (err) {
      scheduleReconnect(err instanceof Error ? err.message : 'Could not open the connection')
      return
    }
    socket = ws
    ws.onopen = () => {
      setStatus({ state: 'open', attempt: 0, retryAt: null, reason: null })
      flush()
    }
    ws.onmessage = (event) => onMessage(event.data)
    ws.onclose = onClose
    ws.onerror = () => {} // a close event always follows; it carries the code
  }

  const api: CorelaneApi = {
    call(command: CommandName, input: unknown) {
      return new Promise((resolve, reject) => {
        if (closed) return reject(lost('The connection to the engine is closed'))
        if (status.state === 'unauthorized') return reject(lost(REFUSED_MESSAGE))
        const id = nextId++
        const pending: Pending = {
          resolve: resolve as (value: unknown) => void,
          reject,
          message: JSON.stringify({ id, command, input }),
          timer: null,
        }
        if (socket && status.state === 'open') {
          inflight.set(id, pending)
          socket.send(pending.message)
          return
        }
        pending.timer = setTimeout(() => {
          settle(id, pending)
          reject(lost('Not connected to the engine; try again once it has reconnected'))
        }, sendTimeout)
        outbox.set(id, pending)
      })
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const entry = listener as (payload: never) => void
      set.add(entry)
      return () => void set.delete(entry)
    },
  } as CorelaneApi

  open()

  return {
    api,
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener)
      return () => void statusListeners.delete(listener)
    },
    reconnectNow() {
      if (closed || status.state !== 'reconnecting' || !retryTimer) return
      clearTimeout(retryTimer)
      open()
    },
    close() {
      closed = true
      if (retryTimer) clearTimeout(retryTimer)
      socket?.close(1000, 'closed by the page')
      if (!socket) setStatus({ state: 'closed', retryAt: null })
    },
  }
}
