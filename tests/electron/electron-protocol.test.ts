// The `corelane://app/` scheme's file handler (src/main/electron/app-files.ts) and the path
// resolver it shares with web mode (src/main/host/served-file.ts) for real, on plain Node, with
// real files: a built-renderer folder, a secret next to it, a symlink out of
// it and a dotfile. Every spelling of "leave the folder" (dot segments, encoded, backslashes,
// absolute paths, drive letters) ends as 404, files come with their content type, and every
// answer carries the renderer's CSP. This is the code `protocol.handle` runs; only the
// registration itself needs Electron.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, sep as pathSep } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RENDERER_CSP_HEADER } from '../../src/main/host/csp.ts'
import { createAppFileHandler } from '../../src/main/electron/app-files.ts'
import { resolveServedFile, servedContentType } from '../../src/main/host/served-file.ts'
import { APP_ORIGIN } from '../../src/main/electron/app-url.ts'

let dir: string
let root: string
let realRoot: string
let secret: string

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'corelane-protocol-')))
  root = join(dir, 'renderer')
  secret = join(dir, 'secret.txt')
  realRoot = root
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Corelane</title>')
  await writeFile(join(root, 'assets', 'index-abc.js'), 'export const x = 1\n')
  await writeFile(join(root, 'assets', 'index-abc.css'), 'body{}')
  await writeFile(join(root, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  await writeFile(join(root, 'assets', 'blob.bin'), Buffer.from([1, 2, 3]))
  await writeFile(join(root, '.env'), 'TOKEN=1')
  // Legal names on Linux, separators or drive letters on Windows: refused on every OS alike.
  await writeFile(join(root, 'back\\slash.js'), 'x')
  await writeFile(join(root, 'c:colon.js'), 'x')
  await writeFile(secret, 'top secret, outside the renderer folder')
  await symlink(secret, join(root, 'link-out.txt'))
  await symlink(join(root, 'index.html'), join(root, 'assets', 'link-in.html'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('app scheme path resolution', () => {
  it('resolves / to index.html and plain paths to files inside the folder', async () => {
    expect(await resolveServedFile(root, '/')).toBe(join(root, 'index.html'))
    expect(await resolveServedFile(root, '')).toBe(join(root, 'index.html'))
    expect(await resolveServedFile(root, '/index.html')).toBe(join(root, 'index.html'))
    expect(await resolveServedFile(root, '/assets/index-abc.js')).toBe(join(root, 'assets', 'index-abc.js'))
    expect(await resolveServedFile(root, '/assets/index%2Dabc.js')).toBe(join(root, 'assets', 'index-abc.js'))
    // A symlink that stays inside is fine; its real path is served.
    expect(await resolveServedFile(root, '/assets/link-in.html')).toBe(join(root, 'index.html'))
  })

  it('refuses every way out of the folder, dotfiles, folders and missing files', async () => {
    const refused = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets\\..\\..\\secret.txt',
      '/..\\secret.txt',
      `/${secret}`,
      `/${encodeURIComponent(secret)}`,
      `//${secret}`,
      secret,
      'C:\\Windows\\win.ini',
      '/C:/Windows/win.ini',
      '/c%3A%5CWindows%5Cwin.ini',
      '/back\\slash.js',
      '/back%5cslash.js',
      '/c:colon.js',
      '/c%3Acolon.js',
      '/link-out.txt',
      '/.env',
      '/%2eenv',
      '/./index.html',
      '/assets//index-abc.js',
      '/assets',
      '/assets/',
      '/missing.js',
      '/index.html%00.js',
      '/%E0%A4%A',
      'index.html',
    ]
    for (const path of refused) expect(await resolveServedFile(root, path), path).toBeNull()
    expect(await resolveServedFile(join(dir, 'no-such-folder'), '/index.html')).toBeNull()
  })

  it('never resolves outside the folder, whatever the path (property)', async () => {
    const separator = fc.constantFrom('/', '%2f', '%2F', '\\', '%5c')
    const segment = fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E',
      '%2f',
      '%5c',
      '\\',
      '',
      'assets',
      'index.html',
      'secret.txt',
      '%00',
      'C:',
      '.env',
    )
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 6 }), separator, fc.boolean(), async (segments, sep, lead) => {
        const path = `${lead ? '/' : ''}${segments.join(sep)}`
        const file = await resolveServedFile(root, path)
        expect(file === null || file.startsWith(realRoot + pathSep)).toBe(true)
        expect(file).not.toBe(secret)
      }),
      { numRuns: 500 },
    )
  })

  it('types files by extension, unknown ones as octet-stream', () => {
    expect(servedContentType('a/index.html')).toBe('text/html; charset=utf-8')
    expect(servedContentType('a/index-abc.js')).toBe('text/javascript; charset=utf-8')
    expect(servedContentType('a/x.CSS')).toBe('text/css; charset=utf-8')
    expect(servedContentType('a/logo.svg')).toBe('image/svg+xml')
    expect(servedContentType('a/font.woff2')).toBe('font/woff2')
    expect(servedContentType('a/blob.bin')).toBe('application/octet-stream')
    expect(servedContentType('a/noext')).toBe('application/octet-stream')
  })
})

describe('app scheme handler', () => {
  const get = (url: string, method = 'GET') => createAppFileHandler(root)(new Request(url, { method }))

  it('serves the page and its assets with content types, nosniff and the CSP', async () => {
    const page = await get(`${APP_ORIGIN}/index.html?x=1#jobs`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toBe(RENDERER_CSP_HEADER)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await page.text()).toContain('<title>Corelane</title>')
    expect((await get(`${APP_ORIGIN}/`)).status).toBe(200)

    const script = await get(`${APP_ORIGIN}/assets/index-abc.js`)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toBe('export const x = 1\n')
    expect((await get(`${APP_ORIGIN}/assets/index-abc.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect((await get(`${APP_ORIGIN}/assets/logo.svg`)).headers.get('content-type')).toBe('image/svg+xml')
    const blob = await get(`${APP_ORIGIN}/assets/blob.bin`)
    expect(blob.headers.get('content-type')).toBe('application/octet-stream')
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]))

    const head = await get(`${APP_ORIGIN}/index.html`, 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('answers 404, with the CSP, for paths out of the folder, other hosts and missing files', async () => {
    for (const url of [
      `${APP_ORIGIN}/..%2fsecret.txt`,
      `${APP_ORIGIN}/%2e%2e%2fsecret.txt`,
      `${APP_ORIGIN}/assets/..%5c..%5csecret.txt`,
      `${APP_ORIGIN}/assets\\..\\..\\secret.txt`,
      `${APP_ORIGIN}/link-out.txt`,
      `${APP_ORIGIN}/${encodeURIComponent(secret)}`,
      `${APP_ORIGIN}/.env`,
      `${APP_ORIGIN}/missing.js`,
      'corelane://evil/index.html',
      'corelane://app:1234/index.html',
      'https://app/index.html',
    ]) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      expect(res.headers.get('content-security-policy'), url).toBe(RENDERER_CSP_HEADER)
      expect(await res.text(), url).not.toContain('top secret')
    }
  })

  it('allows only GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await get(`${APP_ORIGIN}/index.html`, method)
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD')
    }
  })
})
