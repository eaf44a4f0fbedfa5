// The real src/main/index.ts and src/preload/index.ts as the security checklist's tests
// (electron-security-*.test.ts) run them: against the electron stand-in (electron-stand-in.ts;
// the Electron binary cannot start here), with the engine services faked, since those checks
// are about what main asks Electron to do (webPreferences, privileges, the URL loaded, the order
// of calls around `ready`) and the handlers it installs. A test file declares the vi.mock lines
// (vitest hoists them per file) and hands their factories to the fakes here; the monitor is
// desktop-app.ts's `withoutMonitor`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, vi } from 'vitest'
import { StandInWebContents, electronStandIn, preventableEvent, standIn } from './electron-stand-in.ts'
import { loadBundlesBeforeAll } from './security-sources.ts'

type EventListener = (event: string, payload: unknown) => void

/** What the fake API host saw: the event listeners main subscribed, the commands it was handed. */
export const fakes = {
  listeners: new Set<EventListener>(),
  handled: [] as { command: unknown; input: unknown }[],
}

/** FAKE: the API host (src/main/host/api-host.ts): answers every command `handled`, recording it. */
export function fakeApiHostModule(): Record<string, unknown> {
  const api = {
    async handle(command: unknown, input: unknown) {
      fakes.handled.push({ command, input })
      return { ok: true, value: 'handled' }
    },
    subscribe(listener: EventListener) {
      fakes.listeners.add(listener)
      return () => fakes.listeners.delete(listener)
    },
    close() {},
  }
  return { createApiHost: () => api }
}

/** FAKE: the persistent engine (src/main/host/persistent-engine.ts): no jobs, no database. */
export function fakePersistentEngineModule(): Record<string, unknown> {
  const opened = { engine: { batches: () => [] }, close: async () => {} }
  return { openPersistentEngine: async () => opened }
}

/** What main asked Electron for before `ready`. */
export const beforeReady: string[] = []
let userData = ''

/** Starts main (once per test file), waits for its window to load, then runs the preload. */
async function startMain(): Promise<void> {
  delete process.env.ELECTRON_RENDERER_URL
  userData = mkdtempSync(join(tmpdir(), 'corelane-security-'))
  standIn.userData = userData
  await import('../../src/main/index.ts')
  beforeReady.push(...standIn.log)
  standIn.becomeReady()
  await vi.waitFor(
    () => {
      if (standIn.errorBoxes.length) throw new Error(`main failed to start: ${standIn.errorBoxes.join('; ')}`)
      if (theWindow().loads.length === 0) throw new Error('the window has loaded nothing yet')
    },
    { timeout: 10_000, interval: 10 },
  )
  await import('../../src/preload/index.ts')
}

function stopMain(): void {
  rmSync(userData, { recursive: true, force: true })
}

/** Before the file's tests: the bundles read and main started; after them, its folder removed. */
export function startMainBeforeAll(): void {
  loadBundlesBeforeAll()
  beforeAll(startMain, 60_000)
  afterAll(stopMain)
}

type Window = (typeof standIn.windows)[number]
export const theWindow = (): Window => {
  const window = standIn.windows[0]
  if (!window) throw new Error('no window was created')
  return window
}

/** A web contents that is not the app's window (announced on the app, as Electron does). */
export function straySender(): StandInWebContents {
  const contents = new StandInWebContents()
  electronStandIn.app.emit('web-contents-created', preventableEvent(), contents)
  return contents
}
