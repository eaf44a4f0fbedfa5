// Serves the built renderer (out/renderer) read-only: GET and HEAD, files inside the folder
// only, as decided by the resolver the Electron scheme shares (src/main/host/served-file.ts),
// so `/../x`, `/%2e%2e/x`, `/..%2fx`, dotfiles, folders and links out all end as 404. Every
// response carries the renderer's CSP and nosniff, so a file can never be run as something it
// is not.
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'
import { RENDERER_CSP_HEADER } from '../../main/host/csp.ts'
import { resolveServedFile, servedContentType } from '../../main/host/served-file.ts'

/** Headers on every response of the web-mode server, files and errors alike. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': RENDERER_CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  // The page address carries the token: never send it to anyone in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // Build files need no token; this stops other sites from embedding them.
  'Cross-Origin-Resource-Policy': 'same-origin',
}

export function isPage(file: string): boolean {
  return extname(file).toLowerCase() === '.html'
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy()
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    ...headers,
  })
  res.end(res.req.method === 'HEAD' ? undefined : text)
}

export interface StaticFiles {
  readonly root: string
  /** The file a request path names, or null when it is outside the folder, hidden or not a file. */
  resolveRequest(pathname: string): Promise<string | null>
  /** Sends a file found by resolveRequest. */
  send(req: IncomingMessage, res: ServerResponse, file: string, extraHeaders?: Record<string, string>): Promise<void>
}

/** `root` must exist; pass it through realpath once so symlinked roots compare correctly. */
export async function createStaticFiles(rootDir: string): Promise<StaticFiles> {
  const root = await realpath(resolve(rootDir))
  const resolveRequest = (pathname: string) => resolveServedFile(root, pathname)

  async function send(req: IncomingMessage, res: ServerResponse, file: string, extraHeaders: Record<string, string> = {}) {
    let size: number
    try {
      size = (await stat(file)).size
    } catch {
      return sendText(res, 404, 'Not found')
    }
    // Vite names files under assets/ by content hash: they never change under that name.
    const immutable = file.startsWith(`${root}${sep}assets${sep}`)
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': servedContentType(file),
      'Content-Length': String(size),
      'Cache-Control': isPage(file) ? 'no-store' : immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...extraHeaders,
    })
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    res.on('close', () => stream.destroy())
    stream.pipe(res)
  }

  return { root, resolveRequest, send }
}
