// The desktop app as the tests of tests/electron/ meet it: the real src/main/index.ts started
// against the electron stand-in (electron-stand-in.ts; the Electron binary cannot start here)
// over a REAL engine and API host, and the ways to talk to it: as its window does, through the
// IPC handlers the bridge installed, and as the OS does, through `second-instance`. A test file
// declares the three vi.mock lines (vitest hoists them per file) and hands their factories to
// the fakes here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vi } from 'vitest'
import { ipcChannel, type CommandResponse } from '../../src/shared/contract.ts'
import { electronStandIn, preventableEvent, standIn } from './electron-stand-in.ts'

/** What the fakes saw: the options the app opened its engine with, and the engines themselves. */
export const fakes = {
  engineOptions: [] as Record<string, unknown>[],
  /** The real engine the app runs on, for a test to hear its jobs settle (a stream's leave memory once run). */
  engines: [] as {
    onJobSettled(
      listener: (job: { batchId: number | null; name: string; state: string; startedAt: number | null }) => void,
    ): () => void
  }[],
  close: [] as (() => Promise<void>)[],
}

/** FAKE: the job database (its store worker entry exists only in the built app): a real engine without a store. */
export async function withoutStore(original: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { createEngine } = await import('../../src/main/engine/index.ts')
  return {
    ...original,
    openPersistentEngine: async (options: Record<string, unknown>) => {
      fakes.engineOptions.push(options)
      const engine = createEngine({
        dataDir: options.dataDir as string,
        cpuSlots: options.cpuSlots as number | undefined,
        ioConcurrency: options.ioConcurrency as number | undefined,
        eventIntervalMs: 20,
      })
      const close = () => engine.close()
      fakes.engines.push(engine)
      fakes.close.push(close)
      return { engine, store: undefined, close }
    },
  }
}

/** FAKE: the monitor (its sampler thread's entry exists only in the built app). */
export function withoutMonitor(original: Record<string, unknown>): Record<string, unknown> {
  return {
    ...original,
    startMonitor: () => ({
      onSample: () => () => {},
      close: async () => {},
      last: () => null,
      rate: () => 1,
      setRate: (hz: number) => hz,
    }),
  }
}

/** The app's userData and a folder for the batch files a test hands it. */
export const folders = { userData: '', batches: '' }

/** Starts the app (once per test file) with `settings` saved by an earlier session. */
export async function startDesktopApp(settings: Record<string, unknown>): Promise<{ userData: string; batches: string }> {
  folders.userData = mkdtempSync(join(tmpdir(), 'corelane-desktop-'))
  folders.batches = mkdtempSync(join(tmpdir(), 'corelane-batches-'))
  standIn.userData = folders.userData
  writeFileSync(join(folders.userData, 'settings.json'), JSON.stringify(settings))
  delete process.env.ELECTRON_RENDERER_URL
  await import('../../src/main/index.ts')
  standIn.becomeReady()
  await vi.waitFor(
    () => {
      if (standIn.errorBoxes.length) throw new Error(`main failed to start: ${standIn.errorBoxes.join('; ')}`)
      if (!standIn.windows.length || theWindow().loads.length === 0) throw new Error('no window yet')
    },
    { timeout: 10_000, interval: 10 },
  )
  return { ...folders }
}

export async function closeDesktopApp(): Promise<void> {
  for (const close of fakes.close) await close()
  rmSync(folders.userData, { recursive: true, force: true })
  rmSync(folders.batches, { recursive: true, force: true })
}

export function theWindow() {
  return (standIn.windows as unknown as InstanceType<typeof electronStandIn.BrowserWindow>[])[0]!
}

/** A command as the window sends it over IPC (from its main frame, showing the app's page). */
export async function call(command: string, input: unknown): Promise<CommandResponse<never>> {
  const handler = standIn.ipcHandlers.get(ipcChannel(command as never))!
  const contents = theWindow().webContents
  return (await handler({ sender: contents, senderFrame: contents.mainFrame } as never, input as never)) as CommandResponse<never>
}

/** Hands the app a batch file the way a second start does. */
export function secondStart(file: string, ...flags: string[]): void {
  electronStandIn.app.emit(
    'second-instance',
    preventableEvent(),
    ['/opt/Corelane/corelane-desktop', '--no-sandbox', ...flags, file],
    folders.batches,
  )
}

export interface BatchLine {
  id: number
  name: string
  total: number
  endedAt: number | null
  counts: Record<string, number>
}

export async function batchNamed(name: string): Promise<BatchLine | undefined> {
  const snapshot = (await call('snapshot', {})) as { ok: true; value: { batches: BatchLine[] } }
  return snapshot.value.batches.find((b) => b.name === name)
}

export async function untilEnded(batchName: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const snapshot = (await call('snapshot', {})) as {
        ok: true
        value: { batches: { name: string; endedAt: number | null }[] }
      }
      const batch = snapshot.value.batches.find((b) => b.name === batchName)
      if (!batch || batch.endedAt === null) throw new Error(`${batchName} has not ended`)
    },
    { timeout: 20_000, interval: 20 },
  )
  // The last `batches` event (the one that ends the bar) follows the state within an event interval.
  await new Promise((resolve) => setTimeout(resolve, 150))
}
