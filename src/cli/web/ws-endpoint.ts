// The contract over WebSocket: each text frame `{ id, command, input }` is answered by
// `{ id, ok: true, value } | { id, ok: false, error }`; events go to every client as
// `{ event, payload }`, serialised once per event however many clients there are.
// A client's bad frame (binary, not JSON, wrong shape) gets an error answer; an oversized one
// closes that client with 1009 (ws enforces maxPayload); a client that reads too slowly is
// closed with 1013 and reconnects to a fresh snapshot. None of it touches other clients.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { ContractError } from '../../shared/contract.ts'
import type { ApiHost } from '../../main/host/api-host.ts'

export const DEFAULT_MAX_PAYLOAD = 1 << 20
/** Close code for a refused token; the renderer stops reconnecting on it. */
export const CLOSE_UNAUTHORIZED = 4401

export interface WsEndpointOptions {
  maxPayload?: number
  maxClients?: number
  /** A client with more unsent bytes than this is too slow to follow the streams. */
  maxBufferedBytes?: number
  /** Commands one client may have in flight at once. */
  maxInFlight?: number
  heartbeatMs?: number
}

export interface WsEndpoint {
  /** Completes an upgrade whose Host and Origin were checked; a wrong token is closed with 4401. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, authorized: boolean): void
  clientCount(): number
  close(): Promise<void>
}

type RequestId = number | string

interface Client {
  alive: boolean
  inFlight: number
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/**
 * JSON for the wire. A job's result is whatever its code returned (a user script may return
 * a BigInt, which JSON.stringify refuses): such values go as strings rather than taking the
 * whole message, and every other job in it, down.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))
}

function badRequest(message: string, fields?: ContractError['fields']): { ok: false; error: ContractError } {
  return { ok: false, error: { code: 'invalid-input', message, ...(fields ? { fields } : {}) } }
}

export function createWsEndpoint(api: ApiHost, options: WsEndpointOptions = {}): WsEndpoint {
  const maxClients = options.maxClients ?? 64
  const maxBuffered = options.maxBufferedBytes ?? 64 << 20
  const maxInFlight = options.maxInFlight ?? 256
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    // Loopback needs no compression, and inflating is where zip bombs live.
    perMessageDeflate: false,
  })
  const clients = new Map<WebSocket, Client>()
  let unsubscribe: (() => void) | null = null

  function send(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > maxBuffered) {
      ws.close(1013, 'too slow to follow the event streams; reconnect')
      return
    }
    ws.send(text)
  }

  function reply(ws: WebSocket, id: RequestId | null, response: object): void {
    let text: string
    try {
      text = toJson({ id, ...response })
    } catch (error) {
      const message = `the answer could not be sent: ${error instanceof Error ? error.message : String(error)}`
      text = toJson({ id, ok: false, error: { code: 'internal', message } })
    }
    send(ws, text)
  }

  function onMessage(ws: WebSocket, client: Client, data: RawData, isBinary: boolean): void {
    if (isBinary) return reply(ws, null, badRequest('messages must be JSON text frames'))
    let message: unknown
    try {
      message = JSON.parse(toText(data))
    } catch {
      return reply(ws, null, badRequest('the message is not valid JSON'))
    }
    if (!isRecord(message)) return reply(ws, null, badRequest('a message must be an object { id, command, input }'))
    const { id, command, input } = message
    const idOk = (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id.length <= 100)
    if (!idOk) {
      return reply(
        ws,
        null,
        badRequest('id must be a number or a short string', [{ field: 'id', message: 'must be a number or a short string' }]),
      )
    }
    if (typeof command !== 'string') {
      return reply(ws, id, badRequest('command must be a string', [{ field: 'command', message: 'must be a string' }]))
    }
    if (client.inFlight >= maxInFlight) {
      return reply(ws, id, {
        ok: false,
        error: { code: 'internal', message: `too many commands in flight (at most ${maxInFlight})` },
      })
    }
    client.inFlight++
    // handle() never rejects: every outcome is a response.
    void api.handle(command, input).then((response) => {
      client.inFlight--
      reply(ws, id, response)
    })
  }

  function broadcast(event: string, payload: unknown): void {
    // A failure here is caught and logged by the API host; the next delivery carries on.
    const text = toJson({ event, payload })
    for (const ws of clients.keys()) send(ws, text)
  }

  function onConnection(ws: WebSocket): void {
    const client: Client = { alive: true, inFlight: 0 }
    clients.set(ws, client)
    if (clients.size === 1) unsubscribe = api.subscribe(broadcast)
    ws.on('pong', () => (client.alive = true))
    ws.on('message', (data, isBinary) => onMessage(ws, client, data, isBinary))
    // Protocol errors (oversized frame, bad UTF-8) are answered by ws with a close frame.
    ws.on('error', () => {})
    ws.on('close', () => {
      clients.delete(ws)
      if (clients.size === 0) {
        unsubscribe?.()
        unsubscribe = null
      }
    })
  }

  // Browsers answer pings by themselves: a client that stops answering is gone.
  const heartbeat = setInterval(() => {
    for (const [ws, client] of clients) {
      if (!client.alive) {
        ws.terminate()
        continue
      }
      client.alive = false
      ws.ping()
    }
  }, options.heartbeatMs ?? 30_000)
  heartbeat.unref()

  return {
    upgrade(req, socket, head, authorized) {
      if (authorized && clients.size >= maxClients) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (!authorized) {
          // Completed only to say why in a close code: nothing this socket sends is read.
          ws.on('error', () => {})
          ws.close(CLOSE_UNAUTHORIZED, 'missing or wrong access token')
          return
        }
        onConnection(ws)
      })
    },
    clientCount: () => clients.size,
    close() {
      clearInterval(heartbeat)
      unsubscribe?.()
      unsubscribe = null
      const closing = [...clients.keys()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => ws.terminate(), 1000)
            ws.once('close', () => {
              clearTimeout(timer)
              resolve()
            })
            ws.close(1001, 'the server is shutting down')
          }),
      )
      return Promise.all(closing).then(
        () =>
          new Promise<void>((resolve) => {
            wss.close(() => resolve())
          }),
      )
    },
  }
}
