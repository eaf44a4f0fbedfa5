// The Electron adapters' logic, on plain Node (Electron cannot start here): the preload's
// API (only contract commands and events, payloads only, errors keep code and fields), the
// app origin and IPC sender check, the saved window state, batch-end detection and the tray meter.
import { EventEmitter } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { COMMAND_NAMES, IPC_EVENT_CHANNEL, ipcChannel } from '../../src/shared/contract.ts'
import { emptyCounts, type BatchView } from '../../src/shared/job.ts'
import { createPreloadApi, type IpcRendererLike } from '../../src/preload/api.ts'
import { APP_ORIGIN, APP_PAGE_URL, createAppUrlCheck, isTrustedSender, rendererDevUrl } from '../../src/main/electron/app-url.ts'
import { createBatchEndTracker, describeBatchEnd } from '../../src/main/electron/batch-endings.ts'
import { cpuMeterBitmap } from '../../src/main/electron/meter-bitmap.ts'
import { fitToDisplays, loadWindowState, parseWindowState, trackWindowState } from '../../src/main/electron/window-state.ts'

function fakeIpc(answer: (channel: string, input: unknown) => unknown) {
  const emitter = new EventEmitter()
  const invoked: { channel: string; input: unknown }[] = []
  const ipc: IpcRendererLike = {
    async invoke(channel, input) {
      invoked.push({ channel, input })
      return answer(channel, input)
    },
    on: (channel, listener) => emitter.on(channel, listener),
    removeListener: (channel, listener) => emitter.removeListener(channel, listener),
  }
  return { ipc, emitter, invoked }
}

describe('preload api', () => {
  it('calls only contract commands, each on its own channel, and unwraps answers', async () => {
    const { ipc, invoked } = fakeIpc((channel) =>
      channel === ipcChannel('pause')
        ? { ok: true, value: { paused: true } }
        : { ok: false, error: { code: 'invalid-input', message: 'ids[0]: bad', fields: [{ field: 'ids[0]', message: 'bad' }] } },
    )
    const api = createPreloadApi(ipc) as unknown as {
      call(command: unknown, input: unknown): Promise<unknown>
      on(event: unknown, listener: unknown): () => void
    }
    expect(Object.keys(api).sort()).toEqual(['call', 'on'])
    expect(Object.isFrozen(api)).toBe(true)
    expect(await api.call('pause', {})).toEqual({ paused: true })
    await expect(api.call('cancel', { ids: ['x'] })).rejects.toEqual({
      code: 'invalid-input',
      message: 'ids[0]: bad',
      fields: [{ field: 'ids[0]', message: 'bad' }],
    })
    for (const name of ['evil', 'toString', '__proto__', 42, 'corelane:pause']) {
      await expect(api.call(name, {})).rejects.toMatchObject({ code: 'unknown-command' })
    }
    expect(invoked.map((i) => i.channel)).toEqual([ipcChannel('pause'), ipcChannel('cancel')])
    expect(COMMAND_NAMES.every((name) => ipcChannel(name).startsWith('corelane:'))).toBe(true)
  })

  it('delivers only the payload of contract events, and unsubscribes', () => {
    const { ipc, emitter } = fakeIpc(() => null)
    const api = createPreloadApi(ipc)
    const got: unknown[] = []
    expect(() => api.on('secrets' as never, () => {})).toThrow(/unknown event/)
    const off = api.on('stats', (payload) => got.push(payload))
    const offJobs = api.on('jobs', () => got.push('jobs'))
    expect(emitter.listenerCount(IPC_EVENT_CHANNEL)).toBe(1)
    emitter.emit(IPC_EVENT_CHANNEL, { sender: 'the ipc event' }, { event: 'stats', payload: { cores: 2 } })
    emitter.emit(IPC_EVENT_CHANNEL, {}, { event: 'workers', payload: [] })
    emitter.emit(IPC_EVENT_CHANNEL, {}, 'garbage')
    expect(got).toEqual([{ cores: 2 }])
    off()
    offJobs()
    expect(emitter.listenerCount(IPC_EVENT_CHANNEL)).toBe(0)
  })

  it('turns an invoke failure into an internal contract error', async () => {
    const api = createPreloadApi({
      invoke: () => Promise.reject(new Error('refused')),
      on: () => {},
      removeListener: () => {},
    })
    await expect(api.call('snapshot', {})).rejects.toEqual({ code: 'internal', message: 'refused' })
  })
})

describe('app url and sender check', () => {
  const page = APP_PAGE_URL

  it('accepts only the corelane://app origin, or a loopback dev server when not packaged', () => {
    const isApp = createAppUrlCheck({ devUrl: null })
    expect(APP_ORIGIN).toBe('corelane://app')
    expect(isApp(page)).toBe(true)
    expect(isApp(`${page}?x=1#jobs`)).toBe(true)
    expect(isApp('corelane://app/')).toBe(true)
    for (const other of [
      'corelane://evil/index.html',
      'corelane://app.evil/index.html',
      'corelane://app:8080/index.html',
      'corelane://user@app/index.html',
      'corelanex://app/index.html',
      pathToFileURL(join(tmpdir(), 'app', 'out', 'renderer', 'index.html')).href,
      'https://example.com/',
      'http://app/index.html',
      'not a url',
    ]) {
      expect(isApp(other), other).toBe(false)
    }

    expect(rendererDevUrl('http://localhost:5173/', false)).toBe('http://localhost:5173/')
    expect(rendererDevUrl('http://localhost:5173/', true)).toBeNull()
    expect(rendererDevUrl('https://evil.example/', false)).toBeNull()
    const dev = createAppUrlCheck({ devUrl: 'http://localhost:5173/' })
    expect(dev('http://localhost:5173/index.html')).toBe(true)
    expect(dev('http://localhost:5174/')).toBe(false)
    expect(dev(page)).toBe(false)
  })

  it('trusts only the main frame of the app window showing the app', () => {
    const isApp = createAppUrlCheck({ devUrl: null })
    const mainFrame = { parent: null, processId: 4, routingId: 1, url: page }
    const contents = { mainFrame }
    const window = { isDestroyed: () => false, webContents: contents }
    const call = (sender: unknown, frame: unknown) =>
      isTrustedSender({ sender, senderFrame: frame } as never, window as never, isApp)
    expect(call(contents, { ...mainFrame })).toBe(true)
    expect(call({ mainFrame }, mainFrame)).toBe(false) // another webContents
    expect(call(contents, { ...mainFrame, parent: mainFrame, routingId: 2 })).toBe(false) // an iframe
    expect(call(contents, { ...mainFrame, routingId: 9 })).toBe(false)
    expect(call(contents, { ...mainFrame, url: 'https://evil.example/' })).toBe(false)
    expect(call(contents, null)).toBe(false) // the frame is gone
    expect(isTrustedSender({ sender: contents, senderFrame: mainFrame } as never, null, isApp)).toBe(false)
  })
})

describe('window state', () => {
  it('parses anything into a usable state', () => {
    expect(parseWindowState(null)).toEqual({ width: 1280, height: 820, maximized: false })
    expect(parseWindowState('{oops')).toEqual({ width: 1280, height: 820, maximized: false })
    expect(parseWindowState('{"width": 10, "height": 900}')).toEqual({ width: 1280, height: 820, maximized: false })
    expect(parseWindowState('{"x": 5, "y": 6, "width": 1000, "height": 700, "maximized": true}')).toEqual({
      x: 5,
      y: 6,
      width: 1000,
      height: 700,
      maximized: true,
    })
    expect(parseWindowState('{"x": "5", "y": 6, "width": 1000, "height": 700}')).toEqual({
      width: 1000,
      height: 700,
      maximized: false,
    })
  })

  it('drops a position that is on no display', () => {
    const state = { x: 3000, y: 100, width: 800, height: 600, maximized: false }
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }]
    expect(fitToDisplays(state, displays)).toEqual({ width: 800, height: 600, maximized: false })
    expect(fitToDisplays({ ...state, x: 100 }, displays)).toEqual({ ...state, x: 100 })
    expect(fitToDisplays(state, [...displays, { x: 1920, y: 0, width: 1920, height: 1080 }])).toEqual(state)
  })

  it('saves the latest bounds asynchronously and atomically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corelane-window-'))
    const file = join(dir, 'nested', 'window-state.json')
    try {
      const events = new EventEmitter()
      let bounds = { x: 10, y: 20, width: 900, height: 700 }
      const window = {
        on: (name: string, listener: () => void) => events.on(name, listener),
        isDestroyed: () => false,
        isMaximized: () => false,
        isMinimized: () => false,
        isFullScreen: () => false,
        getNormalBounds: () => bounds,
      }
      const tracker = trackWindowState(window as never, file)
      events.emit('resize')
      bounds = { x: 30, y: 40, width: 1000, height: 750 }
      events.emit('move')
      await tracker.flush()
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ x: 30, y: 40, width: 1000, height: 750, maximized: false })
      expect(await loadWindowState(file)).toEqual({ x: 30, y: 40, width: 1000, height: 750, maximized: false })
      await writeFile(file, 'garbage')
      expect(await loadWindowState(file)).toEqual({ width: 1280, height: 820, maximized: false })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('batch notifications', () => {
  const batch = (id: number, ended: boolean, succeeded = 3): BatchView => ({
    id,
    name: `batch ${id}`,
    total: 3,
    counts: { ...emptyCounts(), succeeded, failed: 3 - succeeded },
    createdAt: 0,
    endedAt: ended ? 1 : null,
    paused: false,
    throughput: 0,
    etaMs: null,
  })

  it('reports each batch once, when it ends, and not the ones that had ended before', () => {
    const tracker = createBatchEndTracker([batch(1, true)])
    expect(tracker.update([batch(1, true), batch(2, false)])).toEqual([])
    expect(tracker.update([batch(1, true), batch(2, true), batch(3, true)]).map((b) => b.id)).toEqual([2, 3])
    expect(tracker.update([batch(1, true), batch(2, true), batch(3, true)])).toEqual([])
    // Retried: running again, then ended again.
    expect(tracker.update([batch(2, false)])).toEqual([])
    expect(tracker.update([batch(2, true, 2)]).map((b) => b.id)).toEqual([2])
    expect(describeBatchEnd(batch(2, true, 2))).toEqual({ title: 'Batch ended: batch 2', body: '2 of 3 succeeded, 1 failed' })
    expect(describeBatchEnd(batch(4, true))).toEqual({ title: 'Batch done: batch 4', body: '3 of 3 succeeded' })
  })
})

describe('tray meter', () => {
  it('fills from the bottom in proportion to the load', () => {
    const alpha = (m: ReturnType<typeof cpuMeterBitmap>, x: number, y: number) => m.pixels[(y * m.width + x) * 4 + 3]!
    const green = (m: ReturnType<typeof cpuMeterBitmap>, x: number, y: number) => m.pixels[(y * m.width + x) * 4 + 1]!
    const empty = cpuMeterBitmap(0)
    const half = cpuMeterBitmap(50)
    const full = cpuMeterBitmap(100)
    expect(empty.pixels.length).toBe(16 * 16 * 4)
    expect(alpha(empty, 8, 13)).toBe(60)
    expect(alpha(half, 8, 13)).toBe(255)
    expect(alpha(half, 8, 2)).toBe(60)
    expect(alpha(full, 8, 2)).toBe(255)
    expect(green(full, 8, 2)).toBe(60) // red at 100 %
    expect(cpuMeterBitmap(Number.NaN).pixels).toEqual(empty.pixels)
  })
})
