// The files behind `corelane://app/`: the built renderer (out/renderer), read-only. Electron's
// checklist asks for a custom scheme instead of file:// (a file:// page may read any file the
// user can); which file a request may get is decided by the resolver web mode shares
// (src/main/host/served-file.ts). Every answer, 404s too, carries the renderer's CSP and
// nosniff. Pure (no electron: Request/Response are the web standard ones), so it is tested on
// plain Node with real files; app-protocol.ts hands it to `protocol.handle`.
import { readFile } from 'node:fs/promises'
import { RENDERER_CSP_HEADER } from '../host/csp.ts'
import { resolveServedFile, servedContentType } from '../host/served-file.ts'
import { APP_HOST, APP_SCHEME } from './app-url.ts'

/** Headers on every answer of the scheme, files and errors alike. */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': RENDERER_CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
})

function answer(status: number, body: Buffer | string | null, headers: Record<string, string>): Response {
  return new Response(body === null ? null : new Uint8Array(typeof body === 'string' ? Buffer.from(body) : body), {
    status,
    headers: { ...APP_RESPONSE_HEADERS, ...headers },
  })
}

const notFound = (head: boolean) => answer(404, head ? null : 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' })

/**
 * The `protocol.handle` handler for APP_SCHEME: GET and HEAD of files under `root`, for the
 * host APP_HOST only (no port, no user info); anything else is 404 (405 for other methods).
 */
export function createAppFileHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const head = request.method === 'HEAD'
    if (request.method !== 'GET' && !head) {
      return answer(405, 'Method not allowed', { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
    }
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return notFound(head)
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password) return notFound(head)
    const file = await resolveServedFile(root, url.pathname)
    if (!file) return notFound(head)
    let body: Buffer
    try {
      body = await readFile(file)
    } catch {
      return notFound(head)
    }
    return answer(200, head ? null : body, {
      'Content-Type': servedContentType(file),
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache',
    })
  }
}
