// Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security),
// the items about the bridge between the page and main: §17 every IPC sender validated, §20 no
// Electron API exposed to the page. The real main process and preload run against the electron
// stand-in (security-main.ts; the API host is a fake that records what reached it); the source
// and bundles are read too (security-sources.ts). What none of this can show (real senderFrame
// objects) is listed in README.md, "Security".
import { describe, expect, it, vi } from 'vitest'
import { COMMAND_NAMES, IPC_EVENT_CHANNEL, ipcChannel } from '../../src/shared/contract.ts'
import { APP_PAGE_URL } from '../../src/main/electron/app-url.ts'
import { standIn, type StandInFrame } from './electron-stand-in.ts'
import { fakes, startMainBeforeAll, straySender, theWindow } from './security-main.ts'
import { bundle, ALL_MAIN_SOURCES, ELECTRON_SOURCES, memberCalls } from './security-sources.ts'

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
// FAKE: the engine services (the API host, the database, the monitor); these checks are about Electron.
vi.mock('../../src/main/host/api-host.ts', async () => (await import('./security-main.ts')).fakeApiHostModule())
vi.mock('../../src/main/host/persistent-engine.ts', async () => (await import('./security-main.ts')).fakePersistentEngineModule())
vi.mock('../../src/main/engine/index.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutMonitor(await importOriginal()),
)

startMainBeforeAll()

describe("Electron's security checklist", () => {
  it('17. The sender of every IPC message is validated: each handler refuses other frames, windows and pages', async () => {
    // Source: ipcMain is used in one file only, for `handle` (invoke) channels.
    expect(memberCalls(ALL_MAIN_SOURCES, /^ipcMain$/)).toEqual(
      expect.arrayContaining([
        'src/main/electron/ipc-bridge.ts: ipcMain.handle',
        'src/main/electron/ipc-bridge.ts: ipcMain.removeHandler',
      ]),
    )
    expect(memberCalls(ALL_MAIN_SOURCES, /^ipcMain$/).filter((c) => !c.startsWith('src/main/electron/ipc-bridge.ts: '))).toEqual(
      [],
    )
    expect(memberCalls(ALL_MAIN_SOURCES, /^ipcMain$/, /^(on|once|addListener|handleOnce)$/)).toEqual([])

    // Behaviour: exactly the contract's channels are handled, and each one checks its sender.
    expect([...standIn.ipcHandlers.keys()].sort()).toEqual(COMMAND_NAMES.map(ipcChannel).sort())
    const contents = theWindow().webContents
    const main = contents.mainFrame
    expect(main.url).toBe(APP_PAGE_URL)
    const stray = straySender()
    stray.mainFrame.url = APP_PAGE_URL
    const untrusted: [string, { sender: unknown; senderFrame: StandInFrame | null }][] = [
      ['another web contents', { sender: stray, senderFrame: stray.mainFrame }],
      [
        'an iframe',
        { sender: contents, senderFrame: { parent: main, processId: main.processId, routingId: 2, url: APP_PAGE_URL } },
      ],
      ['another frame', { sender: contents, senderFrame: { ...main, routingId: main.routingId + 7 } }],
      ['a foreign page', { sender: contents, senderFrame: { ...main, url: 'https://evil.example/' } }],
      ['a file:// page', { sender: contents, senderFrame: { ...main, url: 'file:///tmp/out/renderer/index.html' } }],
      ['another app host', { sender: contents, senderFrame: { ...main, url: 'corelane://evil/index.html' } }],
      ['a frame that is gone', { sender: contents, senderFrame: null }],
    ]
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      for (const [channel, handler] of standIn.ipcHandlers) {
        for (const [what, event] of untrusted) {
          const before = fakes.handled.length
          await expect(
            Promise.resolve().then(() => handler(event as never, { x: 1 } as never)),
            `${channel} from ${what}`,
          ).rejects.toThrow(/refused/)
          expect(fakes.handled.length, `${channel} from ${what}`).toBe(before)
        }
        const input = { from: channel }
        await expect(Promise.resolve(handler({ sender: contents, senderFrame: main } as never, input as never))).resolves.toEqual(
          {
            ok: true,
            value: 'handled',
          },
        )
        expect(fakes.handled.at(-1)).toEqual({ command: channel.slice('corelane:'.length), input })
      }
    } finally {
      warn.mockRestore()
    }

    // Events go to the window only while it shows the app.
    const sent = contents.sent.length
    for (const listener of fakes.listeners) listener('stats', { cores: 2 })
    expect(contents.sent.slice(sent)).toEqual([{ channel: IPC_EVENT_CHANNEL, args: [{ event: 'stats', payload: { cores: 2 } }] }])
    main.url = 'https://evil.example/'
    try {
      for (const listener of fakes.listeners) listener('stats', { cores: 2 })
      expect(contents.sent.length).toBe(sent + 1)
    } finally {
      main.url = APP_PAGE_URL
    }
  })

  it('20. No Electron APIs exposed to the page: the preload exposes exactly `call` and `on`, allow-listed', async () => {
    // Source and bundle: one exposeInMainWorld call.
    expect(memberCalls(ELECTRON_SOURCES, /contextBridge$/)).toEqual(['src/preload/index.ts: contextBridge.exposeInMainWorld'])
    expect(bundle.preload.match(/exposeInMainWorld\(/g)).toHaveLength(1)
    // Behaviour: the real preload, with the stand-in's contextBridge and ipcRenderer.
    expect(standIn.exposed).toHaveLength(1)
    const { key, api } = standIn.exposed[0]!
    expect(key).toBe('corelane')
    const exposed = api as Record<string, unknown> & {
      call(command: unknown, input: unknown): Promise<unknown>
      on(event: unknown, listener: unknown): () => void
    }
    expect(Object.keys(exposed).sort()).toEqual(['call', 'on'])
    expect(Object.isFrozen(exposed)).toBe(true)
    expect(Object.values(exposed).every((value) => typeof value === 'function')).toBe(true)
    expect(Object.values(exposed)).not.toContain(standIn.ipcRenderer)

    const ipc = standIn.ipcRenderer
    for (const command of ['evil', 'corelane:pause', '__proto__', 'constructor']) {
      await expect(exposed.call(command, {})).rejects.toMatchObject({ code: 'unknown-command' })
    }
    expect(ipc.invoked).toEqual([])
    expect(await exposed.call('pause', {})).toBe('answer of corelane:pause')
    expect(ipc.invoked).toEqual([{ channel: ipcChannel('pause'), args: [{}] }])
    expect(() => exposed.on('secrets', () => {})).toThrow(/unknown event/)
    const got: unknown[] = []
    const off = exposed.on('stats', (...args: unknown[]) => got.push(args))
    ipc.emit(IPC_EVENT_CHANNEL, { sender: 'the IPC event, never for the page' }, { event: 'stats', payload: { cores: 2 } })
    expect(got).toEqual([[{ cores: 2 }]])
    off()
    expect(ipc.listenerCount(IPC_EVENT_CHANNEL)).toBe(0)
  })
})
