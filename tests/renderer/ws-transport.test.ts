// The WebSocket transport against a scripted socket (a test double for the browser's
// WebSocket): request/response matching, events, errors, reconnect with backoff, refusal.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CommandError } from '../../src/renderer/src/transport/errors.ts'
import { createWsTransport, readToken, wsUrl } from '../../src/renderer/src/transport/ws-transport.ts'
import type { ConnectionStatus } from '../../src/renderer/src/transport/transport.ts'
import { makeStats } from './fake-api.ts'

/** TEST DOUBLE for WebSocket: records what the page sends; the test plays the server. */
class ScriptedSocket {
  static all: ScriptedSocket[] = []
  sent: Record<string, unknown>[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: (() => void) | null = null
  readonly url: string
  constructor(url: string) {
    this.url = url
    ScriptedSocket.all.push(this)
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }
  close(code = 1000, reason = '') {
    this.onclose?.({ code, reason })
  }
  // server side
  open() {
    this.onopen?.()
  }
  reply(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  drop(code = 1006, reason = '') {
    this.onclose?.({ code, reason })
  }
}

const last = () => ScriptedSocket.all.at(-1) as ScriptedSocket

function transport() {
  return createWsTransport({
    url: 'ws://127.0.0.1:7000/ws?token=abc',
    WebSocketImpl: ScriptedSocket as unknown as typeof WebSocket,
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    random: () => 1,
  })
}

describe('ws transport', () => {
  beforeEach(() => {
    ScriptedSocket.all = []
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('sends commands as {id, command, input} and resolves with the matching answer', async () => {
    const link = transport()
    expect(last().url).toBe('ws://127.0.0.1:7000/ws?token=abc')
    const pausing = link.api.call('pause', {}) // queued until open
    expect(last().sent).toEqual([])
    last().open()
    expect(last().sent).toEqual([{ id: 1, command: 'pause', input: {} }])
    const cancelling = link.api.call('cancel', { ids: [3] })
    last().reply({
      id: 2,
      ok: false,
      error: { code: 'not-found', message: 'no job 3', fields: [{ field: 'ids[0]', message: 'unknown' }] },
    })
    last().reply({ id: 1, ok: true, value: makeStats({ paused: true }) })
    await expect(pausing).resolves.toMatchObject({ paused: true })
    const error = await cancelling.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandError)
    expect(error).toMatchObject({ code: 'not-found', message: 'no job 3', fields: [{ field: 'ids[0]', message: 'unknown' }] })
  })

  it('delivers events to listeners until they unsubscribe', () => {
    const link = transport()
    last().open()
    const seen: unknown[] = []
    const off = link.api.on('stats', (s) => seen.push(s.paused))
    last().reply({ event: 'stats', payload: makeStats({ paused: true }) })
    last().reply({ event: 'workers', payload: [] })
    off()
    last().reply({ event: 'stats', payload: makeStats() })
    expect(seen).toEqual([true])
  })

  it('reconnects with growing delays, failing what was in flight', async () => {
    const link = transport()
    const states: ConnectionStatus[] = []
    link.onStatus((s) => states.push(s))
    last().open()
    const inflight = link.api.call('snapshot', {})
    last().drop()
    await expect(inflight).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('dropped') })
    expect(link.status()).toMatchObject({ state: 'reconnecting', attempt: 1 })

    vi.advanceTimersByTime(99)
    expect(ScriptedSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(ScriptedSocket.all).toHaveLength(2)
    last().drop()
    expect(link.status().attempt).toBe(2)
    vi.advanceTimersByTime(199)
    expect(ScriptedSocket.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(ScriptedSocket.all).toHaveLength(3)
    last().open()
    expect(link.status()).toMatchObject({ state: 'open', attempt: 0, retryAt: null })
    expect(states.map((s) => s.state)).toEqual(['open', 'reconnecting', 'reconnecting', 'open'])
  })

  it('reconnects at once when asked', () => {
    const link = transport()
    last().drop()
    link.reconnectNow()
    expect(ScriptedSocket.all).toHaveLength(2)
  })

  it('stops and says so when the server refuses the token', async () => {
    const link = transport()
    const waiting = link.api.call('snapshot', {})
    last().drop(4401, 'bad token')
    expect(link.status()).toMatchObject({ state: 'unauthorized', reason: 'bad token' })
    await expect(waiting).rejects.toMatchObject({ message: expect.stringContaining('token') })
    vi.advanceTimersByTime(60_000)
    expect(ScriptedSocket.all).toHaveLength(1)
  })

  it('gives up on a command that cannot be sent in time', async () => {
    const link = transport()
    const waiting = link.api.call('pause', {})
    vi.advanceTimersByTime(15_000)
    await expect(waiting).rejects.toMatchObject({ message: expect.stringContaining('Not connected') })
  })
})

describe('token and address', () => {
  it('takes the token from the query, stores it, and removes it from the address bar', () => {
    const storage = new Map<string, string>()
    const replaced: string[] = []
    const token = readToken(
      { search: '?token=s3cr%20t&x=1', pathname: '/', hash: '#h' } as Location,
      {
        setItem: (k: string, v: string) => void storage.set(k, v),
        getItem: (k: string) => storage.get(k) ?? null,
      } as unknown as Storage,
      { state: null, replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) } as unknown as History,
    )
    expect(token).toBe('s3cr t')
    expect(storage.get('corelane.token')).toBe('s3cr t')
    expect(replaced).toEqual(['/?x=1#h'])
    // A reload without the query finds it in the tab's storage.
    expect(
      readToken({ search: '', pathname: '/', hash: '' } as Location, { getItem: () => 's3cr t' } as unknown as Storage),
    ).toBe('s3cr t')
  })

  it('builds the socket address from the page address', () => {
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:7000' } as Location, 'a b')).toBe('ws://127.0.0.1:7000/ws?token=a%20b')
    expect(wsUrl({ protocol: 'https:', host: 'example.test' } as Location, 't')).toBe('wss://example.test/ws?token=t')
  })
})
