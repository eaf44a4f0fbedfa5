// Which file under a root folder a request path may get: the one resolver behind both ways the
// built renderer is served, web mode's HTTP server (src/cli/web/static-files.ts) and Electron's
// `corelane://app/` scheme (src/main/electron/app-files.ts), so a traversal fixed here is fixed
// for both. A request path is decoded once, and any backslash, NUL, colon, empty, `.` or `..`
// segment, or dotfile, refuses it outright (so `/../x`, `/%2e%2e/x`, `/..%2fx`, `\..\x`,
// `//etc/passwd`, `C:\x` all end as null); what remains is resolved inside the folder, and both
// it and its real path (symlinks followed) must stay there. Plain Node, no electron.
import { realpath, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { CONTENT_TYPES } from '../../shared/content-types.ts'

/** The Content-Type a served file goes out with, by extension; unknown ones as octet-stream. */
export function servedContentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The real path of the file under `root` that a request path names (`/` is index.html), or
 * null when the path is malformed, leaves the folder in any spelling, names a dotfile, a
 * folder or nothing. `root` is passed through realpath on every call, so a symlinked root
 * compares correctly and a root that vanished refuses everything.
 */
export async function resolveServedFile(root: string, pathname: string): Promise<string | null> {
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
