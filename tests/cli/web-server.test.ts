// Web mode on a real loopback server (port 0) with real files and a real engine: pages need
// the token, the Host must be ours, no path leaves the static folder, a WebSocket needs the
// token and our own Origin, clients get answers and batched events, bad frames get errors
// (or a close, when oversized) without disturbing anyone else, and `corelane serve` stops
// cleanly on SIGTERM.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { JobView } from '../../src/shared/job.ts'
import { createEngine, startMonitor, type Engine, type Monitor } from '../../src/main/engine/index.ts'
import { createApiHost, type ApiHost } from '../../src/main/host/api-host.ts'
import { RENDERER_CSP } from '../../src/main/host/csp.ts'
import { startWebServer, type WebServer } from '../../src/cli/web/web-server.ts'
import { toJson } from '../../src/cli/web/ws-endpoint.ts'

const SECRET = 'top secret, outside the static folder'
const INDEX = '<!doctype html><title>Corelane test page</title><script type="module" src="./assets/app.js"></script>'

let dir: string
let www: string
let engine: Engine
let monitor: Monitor
let api: ApiHost
let server: WebServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-web-'))
  www = join(dir, 'www')
  await mkdir(join(www, 'assets'), { recursive: true })
  await writeFile(join(www, 'index.html'), INDEX)
  await writeFile(join(www, 'assets', 'app.js'), 'console.log("corelane")\n')
  await writeFile(join(www, 'assets', 'style.css'), 'body { margin: 0 }\n')
  await writeFile(join(www, '.env'), SECRET)
  await writeFile(join(dir, 'secret.txt'), SECRET)
  await symlink(join(dir, 'secret.txt'), join(www, 'link.txt'))
  engine = createEngine({ dataDir: join(dir, 'data'), cpuSlots: 2 })
  monitor = startMonitor({ hz: 4 })
  api = createApiHost(engine, monitor)
  server = await startWebServer({ api, staticRoot: www, port: 0 })
})

afterAll(async () => {
  await server?.close()
  api?.close()
  await Promise.all([monitor?.close(), engine?.close()])
  await rm(dir, { recursive: true, force: true })
})

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request sent exactly as written (fetch would normalise `..` away before sending). */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

interface Client {
  ws: WebSocket
  messages: Record<string, unknown>[]
  next(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  call(command: string, input: unknown): Promise<Record<string, unknown>>
  closed: Promise<{ code: number; reason: string }>
}

let nextId = 1

function connect(options: { token?: string; origin?: string; host?: string } = {}): Promise<Client> {
  const token = options.token ?? server.token
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(token)}`, {
    origin: options.origin,
    headers: options.host ? { Host: options.host } : {},
  })
  const messages: Record<string, unknown>[] = []
  const waiters = new Set<{ predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }>()
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>
    messages.push(message)
    for (const waiter of waiters) {
      if (!waiter.predicate(message)) continue
      waiters.delete(waiter)
      waiter.resolve(message)
    }
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  )
  const client: Client = {
    ws,
    messages,
    closed,
    next(predicate, timeoutMs = 10_000) {
      const found = messages.find(predicate)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such message in time')), timeoutMs)
        waiters.add({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) })
      })
    },
    call(command, input) {
      const id = nextId++
      ws.send(JSON.stringify({ id, command, input }))
      return client.next((m) => m.id === id)
    },
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
    )
    ws.once('error', reject)
  })
}

describe('web server: pages and files', () => {
  it('prints an address with a long random token on 127.0.0.1', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(Buffer.from(server.token, 'base64url').length).toBeGreaterThanOrEqual(32)
  })

  it('serves the page only with the right token, with the security headers', async () => {
    expect((await raw('/')).status).toBe(401)
    expect((await raw('/index.html?token=nope')).status).toBe(401)
    expect((await raw(`/?token=${server.token.slice(0, -1)}`)).status).toBe(401)
    const page = await raw(`/?token=${encodeURIComponent(server.token)}`)
    expect(page.status).toBe(200)
    expect(page.body).toBe(INDEX)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toContain(RENDERER_CSP)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(page.headers['cache-control']).toBe('no-store')

    // The page removes ?token= from its address; its cookie lets a reload through (HTML only).
    const cookie = String(page.headers['set-cookie']).split(';')[0]!
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/)
    expect(cookie).not.toContain(server.token)
    expect((await raw('/', { Cookie: cookie })).status).toBe(200)
    expect((await raw('/', { Cookie: `${cookie.split('=')[0]}=forged` })).status).toBe(401)
  })

  it('serves build files without the token, with their content types', async () => {
    const script = await raw('/assets/app.js')
    expect(script.status).toBe(200)
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(script.headers['x-content-type-options']).toBe('nosniff')
    expect((await raw('/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await raw('/assets/missing.js')).status).toBe(404)
    expect((await raw('/assets/app.js', {}, 'POST')).status).toBe(405)
    const head = await raw('/assets/app.js', {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })

  it('never serves anything outside the static folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..\\secret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/link.txt',
      '/.env',
      '/assets/',
      '/%00',
      '/index.html%00.js',
      `/${'../'.repeat(12)}etc/passwd`,
      '//etc/passwd',
      '/package.json',
    ]
    for (const path of attempts) {
      const res = await raw(path)
      expect([400, 403, 404], `${path} -> ${res.status}`).toContain(res.status)
      expect(res.body).not.toContain(SECRET)
      expect(res.body).not.toContain('root:')
    }
  })

  it('refuses requests for other host names (DNS rebinding)', async () => {
    const res = await raw(`/?token=${encodeURIComponent(server.token)}`, { Host: `evil.example:${server.port}` })
    expect(res.status).toBe(403)
    expect((await raw('/assets/app.js', { Host: `evil.example:${server.port}` })).status).toBe(403)
    expect((await raw('/assets/app.js', { Host: `localhost:${server.port}` })).status).toBe(200)
  })
})

describe('web server: WebSocket', () => {
  it('refuses a missing or wrong token with close code 4401, reading nothing', async () => {
    for (const token of ['', 'wrong', `${server.token}x`]) {
      const client = await connect({ token })
      client.ws.send(JSON.stringify({ id: 1, command: 'snapshot', input: {} }))
      expect((await client.closed).code).toBe(4401)
      expect(client.messages).toEqual([])
    }
  })

  it('refuses a foreign Origin or Host at the upgrade', async () => {
    await expect(connect({ origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 })
    await expect(connect({ origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toMatchObject({ status: 403 })
    await expect(
      connect({ host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}` }),
    ).rejects.toMatchObject({
      status: 403,
    })
    const own = await connect({ origin: `http://127.0.0.1:${server.port}` })
    own.ws.close()
  })

  it('answers commands and broadcasts batched events to every client', async () => {
    const a = await connect()
    const b = await connect()
    try {
      const snapshot = await a.call('snapshot', {})
      expect(snapshot.ok).toBe(true)
      expect((snapshot.value as { kinds: unknown[] }).kinds.length).toBeGreaterThan(5)

      const submitted = await a.call('submit', { template: { kind: 'sum-squares', params: { n: 1000 } }, count: 300 })
      expect(submitted.ok).toBe(true)
      const ids = new Set((submitted.value as { jobIds: number[] }).jobIds)
      expect(ids.size).toBe(300)

      for (const client of [a, b]) {
        const done = new Set<number>()
        await client.next((m) => {
          if (m.event !== 'jobs') return false
          for (const job of (m.payload as { changed: JobView[] }).changed)
            if (ids.has(job.id) && job.state === 'succeeded') done.add(job.id)
          return done.size === ids.size
        })
      }
      await a.next((m) => m.event === 'batches')
      await a.next((m) => m.event === 'stats')
      await a.next((m) => m.event === 'monitor')
      // 300 jobs, 900 state changes: a handful of coalesced messages.
      expect(a.messages.filter((m) => m.event === 'jobs').length).toBeLessThan(20)

      const invalid = await a.call('submit', { template: { kind: 'sum-squares', params: { n: -1 } }, count: 1 })
      expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-input', fields: [{ field: 'template.params.n' }] } })
      expect(await a.call('selfDestruct', {})).toMatchObject({ ok: false, error: { code: 'unknown-command' } })
    } finally {
      a.ws.close()
      b.ws.close()
    }
  })

  it('sends values JSON cannot hold (a BigInt result) as strings', () => {
    expect(toJson({ event: 'jobs', payload: { changed: [{ id: 1, result: 10n ** 30n }] } })).toBe(
      '{"event":"jobs","payload":{"changed":[{"id":1,"result":"1000000000000000000000000000000"}]}}',
    )
  })

  it('answers bad frames with errors, closes an oversized one, and keeps serving the others', async () => {
    const bystander = await connect()
    const sender = await connect()
    try {
      sender.ws.send('this is not json')
      expect(await sender.next((m) => m.ok === false && m.id === null)).toMatchObject({ error: { code: 'invalid-input' } })
      sender.messages.length = 0
      sender.ws.send(Buffer.from([1, 2, 3]), { binary: true })
      expect(await sender.next((m) => m.ok === false)).toMatchObject({ id: null, error: { code: 'invalid-input' } })
      sender.messages.length = 0
      sender.ws.send(JSON.stringify([1, 2, 3]))
      expect(await sender.next((m) => m.ok === false)).toMatchObject({ id: null })
      sender.ws.send(JSON.stringify({ id: 7 }))
      expect(await sender.next((m) => m.id === 7)).toMatchObject({ ok: false, error: { fields: [{ field: 'command' }] } })
      sender.ws.send(JSON.stringify({ id: { nested: true }, command: 'snapshot' }))
      expect(await sender.next((m) => m.ok === false && m.id === null && m.error !== undefined)).toBeTruthy()
      expect(await sender.call('pause', 'not an object')).toMatchObject({ ok: false, error: { code: 'invalid-input' } })

      sender.ws.send('x'.repeat(2 << 20))
      expect((await sender.closed).code).toBe(1009)

      expect(await bystander.call('resume', {})).toMatchObject({ ok: true })
      const fresh = await connect()
      expect(await fresh.call('snapshot', {})).toMatchObject({ ok: true })
      fresh.ws.close()
    } finally {
      bystander.ws.close()
      sender.ws.terminate()
    }
  })
})

describe('corelane serve', () => {
  it('prints its address, serves, and stops its workers and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['src/cli/main.ts', 'serve', '--port', '0', '--data-dir', join(dir, 'serve-data'), '--cpu-slots', '1'],
      { env: { ...process.env, CORELANE_WEB_ROOT: www }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout })
        lines.on('line', (text) => text.startsWith('Corelane web mode: ') && resolve(text))
        child.on('exit', () => reject(new Error('serve exited before printing its address')))
      })
      const url = new URL(line.slice('Corelane web mode: '.length))
      expect(url.hostname).toBe('127.0.0.1')
      const token = url.searchParams.get('token')!
      expect(token.length).toBeGreaterThanOrEqual(43)
      expect((await fetch(url)).status).toBe(200)
      expect((await fetch(new URL('/', url))).status).toBe(401)

      // A process worker running a long job: SIGTERM must not leave it behind.
      const ws = new WebSocket(`ws://${url.host}/ws?token=${token}`)
      await new Promise((resolve) => ws.once('open', resolve))
      const answers: Record<string, unknown>[] = []
      ws.on('message', (data) => answers.push(JSON.parse(String(data)) as Record<string, unknown>))
      ws.send(
        JSON.stringify({
          id: 1,
          command: 'submit',
          input: { jobs: [{ kind: 'sleep', params: { ms: 60_000 }, lane: 'cpu', executor: 'process' }] },
        }),
      )
      let pid: number | null = null
      for (let i = 0; i < 100 && pid === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        ws.send(JSON.stringify({ id: 2 + i, command: 'snapshot', input: {} }))
        const snapshot = answers.findLast((m) => (m.value as { workers?: unknown })?.workers !== undefined)
        const workers = (snapshot?.value as { workers: { executor: string; pid: number | null; jobIds: number[] }[] } | undefined)
          ?.workers
        pid = workers?.find((w) => w.executor === 'process' && w.jobIds.length > 0)?.pid ?? null
      }
      expect(pid).not.toBeNull()
      expect(pid).not.toBe(child.pid)

      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(() => process.kill(pid!, 0)).toThrow()
      ws.terminate()
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('says to build first when the UI is missing', async () => {
    const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--data-dir', join(dir, 'serve-data')], {
      env: { ...process.env, CORELANE_WEB_ROOT: join(dir, 'nothing-here') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code).toBe(1)
    expect(stderr).toContain('run `npm run build` first')
  })
})
