// Web mode's server: one node:http server on 127.0.0.1 (by default) that serves the built
// renderer and the contract over a WebSocket at /ws. Access rules (see access.ts):
//   - every request must name this server in its Host header (DNS rebinding);
//   - HTML pages need the token: `?token=` (the address `corelane serve` prints), or the
//     per-run page cookie set when the page was opened with it, so a reload still works
//     after the page removed the token from its address bar;
//   - other build files (JS, CSS, fonts, images) need no token: they are the public build
//     output, hold no secret, and chunks loaded from JS could not carry one anyway;
//   - /ws needs the token in `?token=` and, from a browser, this server's own Origin.
// The engine, monitor and API host are the caller's: close() stops the server only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ApiHost } from '../../main/host/api-host.ts'
import { createAccess, generateToken, type Access } from './access.ts'
import { createStaticFiles, isPage, sendText, type StaticFiles } from './static-files.ts'
import { createWsEndpoint, type WsEndpointOptions } from './ws-endpoint.ts'

export interface WebServerOptions extends WsEndpointOptions {
  api: ApiHost
  /** The built renderer; must hold index.html. */
  staticRoot: string
  /** Default 127.0.0.1: only this machine. */
  host?: string
  /** 0 (the default) picks a free port. */
  port?: number
  /** Default: 32 random bytes, base64url (256 bits). */
  token?: string
}

export interface WebServer {
  /** The address to open, token included. */
  url: string
  token: string
  host: string
  port: number
  close(): Promise<void>
}

const NEEDS_TOKEN = `Corelane: this page needs its access token.
Open the address that \`corelane serve\` printed (it ends in ?token=...).
`

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`,
  )
}

function parseUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://server.invalid')
  } catch {
    return null
  }
}

/** The address to print: a wildcard bind is still opened locally through 127.0.0.1. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? generateToken()
  let files: StaticFiles
  try {
    files = await createStaticFiles(options.staticRoot)
  } catch {
    throw new Error(`the web UI is not built (no folder ${options.staticRoot}): run \`npm run build\` first`)
  }
  if (!(await files.resolveRequest('/index.html'))) {
    throw new Error(`the web UI is not built (no index.html in ${files.root}): run \`npm run build\` first`)
  }
  const endpoint = createWsEndpoint(options.api, options)
  // Set once the port is known (the Host check needs it).
  let access: Access | null = null

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!access || !access.hostAllowed(req.headers.host)) return sendText(res, 403, 'Forbidden: unexpected Host header\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' })
    const url = parseUrl(req.url)
    if (!url) return sendText(res, 400, 'Bad request\n')
    if (url.pathname === '/ws') return sendText(res, 426, 'Upgrade required\n', { Upgrade: 'websocket' })
    const file = await files.resolveRequest(url.pathname)
    // Browsers ask for a favicon on their own; the UI has none, and a 404 would be console noise.
    if (!file && url.pathname === '/favicon.ico') return sendText(res, 204, '')
    if (!file) return sendText(res, 404, 'Not found\n')
    if (!isPage(file)) return files.send(req, res, file)
    const byToken = access.tokenMatches(url.searchParams.get('token'))
    if (!byToken && !access.pageCookieMatches(req.headers.cookie)) return sendText(res, 401, NEEDS_TOKEN)
    const cookie = `${access.pageCookieName}=${access.pageCookieValue}; Path=/; HttpOnly; SameSite=Strict`
    return files.send(req, res, file, byToken ? { 'Set-Cookie': cookie } : {})
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const url = parseUrl(req.url)
    if (!url || url.pathname !== '/ws') return rejectUpgrade(socket, 404, 'Not Found')
    if (!access || !access.hostAllowed(req.headers.host)) return rejectUpgrade(socket, 403, 'Forbidden')
    if (!access.originAllowed(req.headers.origin, req.headers.host)) return rejectUpgrade(socket, 403, 'Forbidden')
    endpoint.upgrade(req, socket, head, access.tokenMatches(url.searchParams.get('token')))
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => sendText(res, 500, 'Internal error\n'))
  })
  server.on('upgrade', onUpgrade)
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  access = createAccess({ token, host, port })

  let closing: Promise<void> | null = null
  return {
    url: `http://${displayHost(host)}:${port}/?token=${encodeURIComponent(token)}`,
    token,
    host,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        await endpoint.close()
        server.closeAllConnections()
        await stopped
      })()
      return closing
    },
  }
}
