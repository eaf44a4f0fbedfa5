// The files behind `corelane://app/`: the built renderer (out/renderer), read-only. Electron's
// checklist asks for a custom scheme instead of file:// (a file:// page may read any file the
// user can); this decides which file a request may get. A request path is decoded once, and
// any backslash, NUL, colon, empty, `.` or `..` segment or dotfile refuses it outright (so
// `/../x`, `/%2e%2e/x`, `/..%2fx`, `\..\x`, `//etc/passwd`, `C:\x` all end as 404); what
// remains is resolved inside the folder, and both it and its real path (symlinks followed)
// must stay there. Every answer, 404s too, carries the renderer's CSP and nosniff. Pure
// (no electron: Request/Response are the web standard ones), so it is tested on plain Node
// with real files; app-protocol.ts hands it to `protocol.handle`.
import { readFile, realpath, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { RENDERER_CSP_HEADER } from '../host/csp.ts'
import { APP_HOST, APP_SCHEME } from './app-url.ts'
import { CONTENT_TYPES } from '../../shared/content-types.ts'


/** Headers on every answer of the scheme, files and errors alike. */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': RENDERER_CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
})

export function appContentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The file under `root` that a request path names (`/` is index.html), or null when the path
 * is malformed, leaves the folder in any spelling, names a dotfile, a folder or nothing.
 */
export async function resolveAppFile(root: string, pathname: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return null
  }
  if (decoded === '' || decoded === '/') decoded = '/index.html'
  if (!decoded.startsWith('/')) return null
  // After the leading slash, plain names only: nothing to normalise, so nothing to get wrong.
  const segments = decoded.slice(1).split('/')
  for (const segment of segments) {
    if (segment === '' || segment.startsWith('.') || /[\\:\0]/.test(segment)) return null
  }
  let base: string
  try {
    base = await realpath(resolve(root))
  } catch {
    return null
  }
  const inside = (path: string) => path.startsWith(base + sep)
  const candidate = resolve(base, ...segments)
  if (!inside(candidate)) return null
  try {
    const real = await realpath(candidate)
    if (!inside(real)) return null
    return (await stat(real)).isFile() ? real : null
  } catch {
    return null
  }
}

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
    const file = await resolveAppFile(root, url.pathname)
    if (!file) return notFound(head)
    let body: Buffer
    try {
      body = await readFile(file)
    } catch {
      return notFound(head)
    }
    return answer(200, head ? null : body, {
      'Content-Type': appContentType(file),
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache',
    })
  }
}
