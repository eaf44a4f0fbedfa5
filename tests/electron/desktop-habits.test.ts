// The desktop app's habits, with the real src/main/index.ts started against the electron
// stand-in (electron-stand-in.ts; the Electron binary cannot start here) over a REAL engine
// and API host (real worker threads, real settings file in a temporary userData). Only the
// database and the monitor are replaced (named fakes below: their worker entries exist only in
// the built app). The test talks to the app as its window does, through the IPC handlers the
// bridge installed, and as the OS does, through `second-instance`; it reads what the app asked
// Electron to do: progress-bar values during a batch, the badge, the power-save blocker, login
// items, crash reporting, the menu, and the warnings it shows; and how a batch file of `lines`
// (longer than a submit holds) runs as it is read. What Electron and the OS then do with those
// calls is not shown here (README.md, "Desktop habits").
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ipcChannel, type CommandResponse } from '../../src/shared/contract.ts'
import { electronStandIn, preventableEvent, standIn } from './electron-stand-in.ts'

const fakes = vi.hoisted(() => ({
  engineOptions: [] as Record<string, unknown>[],
  /** The real engine the app runs on, for a test to hear its jobs settle (a stream's leave memory once run). */
  engines: [] as {
    onJobSettled(
      listener: (job: { batchId: number | null; name: string; state: string; startedAt: number | null }) => void,
    ): () => void
  }[],
  close: [] as (() => Promise<void>)[],
}))

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
// FAKE: the job database (its store worker entry exists only in the built app): a real engine without a store.
vi.mock('../../src/main/host/persistent-engine.ts', async (importOriginal) => {
  const { createEngine } = await import('../../src/main/engine/index.ts')
  return {
    ...(await importOriginal<Record<string, unknown>>()),
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
})
// FAKE: the monitor (its sampler thread's entry exists only in the built app).
vi.mock('../../src/main/engine/index.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  startMonitor: () => ({
    onSample: () => () => {},
    close: async () => {},
    last: () => null,
    rate: () => 1,
    setRate: (hz: number) => hz,
  }),
}))

let userData: string
let batches: string

function theWindow() {
  return (standIn.windows as unknown as InstanceType<typeof electronStandIn.BrowserWindow>[])[0]!
}

/** A command as the window sends it over IPC (from its main frame, showing the app's page). */
async function call(command: string, input: unknown): Promise<CommandResponse<never>> {
  const handler = standIn.ipcHandlers.get(ipcChannel(command as never))!
  const contents = theWindow().webContents
  return (await handler({ sender: contents, senderFrame: contents.mainFrame } as never, input as never)) as CommandResponse<never>
}

const settingsOnDisk = () => JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8')) as Record<string, unknown>

/** Hands the app a batch file the way a second start does. */
function secondStart(file: string, ...flags: string[]): void {
  electronStandIn.app.emit(
    'second-instance',
    preventableEvent(),
    ['/opt/Corelane/corelane-desktop', '--no-sandbox', ...flags, file],
    batches,
  )
}

interface BatchLine {
  id: number
  name: string
  total: number
  endedAt: number | null
  counts: Record<string, number>
}

async function batchNamed(name: string): Promise<BatchLine | undefined> {
  const snapshot = (await call('snapshot', {})) as { ok: true; value: { batches: BatchLine[] } }
  return snapshot.value.batches.find((b) => b.name === name)
}

async function untilEnded(batchName: string): Promise<void> {
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

beforeAll(async () => {
  userData = mkdtempSync(join(tmpdir(), 'corelane-desktop-'))
  batches = mkdtempSync(join(tmpdir(), 'corelane-batches-'))
  standIn.userData = userData
  // Saved by an earlier session: the engine must start with these.
  writeFileSync(join(userData, 'settings.json'), JSON.stringify({ cpuSlots: 3, ioConcurrency: 1 }))
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
}, 60_000)

afterAll(async () => {
  for (const close of fakes.close) await close()
  rmSync(userData, { recursive: true, force: true })
  rmSync(batches, { recursive: true, force: true })
})

describe('the desktop app', () => {
  it('keeps crash reports local, set up before ready', () => {
    expect(standIn.crashReporter).toEqual([expect.objectContaining({ uploadToServer: false, submitURL: '' })])
    expect(standIn.log.indexOf('crashReporter.start')).toBeLessThan(standIn.log.indexOf('ready'))
  })

  it('starts the engine with the saved settings as defaults', () => {
    expect(fakes.engineOptions[0]).toMatchObject({ cpuSlots: 3, ioConcurrency: 1, pinning: false })
  })

  it('round-trips settings through the contract and refuses bad values, naming the field', async () => {
    const got = (await call('getSettings', {})) as { ok: true; value: { settings: Record<string, unknown>; desktop: boolean } }
    expect(got.ok).toBe(true)
    expect(got.value.desktop).toBe(true)
    expect(got.value.settings).toMatchObject({ cpuSlots: 3, ioConcurrency: 1, theme: 'system', launchAtLogin: false })

    const updated = (await call('updateSettings', { theme: 'dark', launchAtLogin: true })) as { ok: boolean }
    expect(updated.ok).toBe(true)
    expect(settingsOnDisk()).toMatchObject({ theme: 'dark', launchAtLogin: true, cpuSlots: 3 })
    // Launch at login is handed to the OS only when the user changes it.
    expect(standIn.loginItems).toEqual([{ openAtLogin: true }])

    for (const [input, field] of [
      [{ cpuSlots: 0 }, 'cpuSlots'],
      [{ theme: 'purple' }, 'theme'],
      [{ ioConcurrency: 1.5 }, 'ioConcurrency'],
      [{ launchAtLogin: 'yes' }, 'launchAtLogin'],
    ] as const) {
      const refused = (await call('updateSettings', input)) as { ok: false; error: { code: string; fields: { field: string }[] } }
      expect(refused.ok, JSON.stringify(input)).toBe(false)
      expect(refused.error.code).toBe('invalid-input')
      expect(refused.error.fields.map((f) => f.field)).toContain(field)
    }
    expect(((await call('updateSettings', { nope: 1 })) as { ok: boolean }).ok).toBe(false)
    expect(settingsOnDisk()).toMatchObject({ theme: 'dark', launchAtLogin: true, cpuSlots: 3 })
    await call('updateSettings', { launchAtLogin: false, theme: 'system' })
    expect(standIn.loginItems).toEqual([{ openAtLogin: true }, { openAtLogin: false }])
  })

  it('follows the cluster of its settings: an unreachable Redis reaches the window as a status, and the app goes on', async () => {
    // A loopback port nothing listens on: refused at once.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
    const window = theWindow()
    const statuses = () =>
      window.webContents.sent
        .map((s) => s.args[0] as { event: string; payload: { state: string; error: string | null } })
        .filter((m) => m?.event === 'cluster')
        .map((m) => m.payload)
    const updated = (await call('updateSettings', { clusterRedisUrl: `redis://:hidden@127.0.0.1:${port}` })) as {
      ok: true
      value: { settings: { clusterRedisUrl: string } }
    }
    expect(updated.value.settings.clusterRedisUrl).toBe(`redis://:***@127.0.0.1:${port}`)
    await vi.waitFor(() => expect(statuses().at(-1)?.state).toBe('unreachable'), { timeout: 10_000, interval: 20 })
    expect(statuses().at(-1)!.error).toMatch(/ECONNREFUSED/)
    expect(JSON.stringify(window.webContents.sent)).not.toContain('hidden')
    // The app still answers, and clearing the setting turns the link off.
    expect(((await call('updateSettings', { clusterRedisUrl: null })) as { ok: boolean }).ok).toBe(true)
    await vi.waitFor(() => expect(statuses().at(-1)?.state).toBe('off'), { timeout: 10_000, interval: 20 })
  })

  it('opens a batch file from a second start, shows its progress on the taskbar and keeps the machine awake meanwhile', async () => {
    const window = theWindow()
    const file = join(batches, 'four-sleeps.json')
    writeFileSync(
      file,
      JSON.stringify({ name: 'four sleeps', jobs: Array.from({ length: 4 }, () => ({ kind: 'sleep', params: { ms: 200 } })) }),
    )
    const before = window.progress.length
    secondStart('four-sleeps.json') // relative: resolved against the second start's folder
    await untilEnded('four sleeps')
    const values = window.progress.slice(before)
    // One I/O slot (the saved setting): the jobs run one after another, so the bar climbs in steps.
    expect(values.at(-1)).toBe(-1)
    const during = values.slice(0, -1)
    expect(during.length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < during.length; i++) expect(during[i]!).toBeGreaterThanOrEqual(during[i - 1]!)
    expect(during.every((v) => v >= 0 && v <= 1)).toBe(true)
    expect(during.some((v) => v > 0 && v < 1)).toBe(true)
    // The blocker: started once while it ran, stopped after.
    const blockers = [...standIn.powerBlockers.values()]
    expect(blockers).toEqual([{ type: 'prevent-app-suspension', started: false }])
    const log = standIn.log
    expect(log.lastIndexOf('powerSaveBlocker.stop 1')).toBeGreaterThan(
      log.indexOf('powerSaveBlocker.start prevent-app-suspension'),
    )
  })

  it('shows failed jobs as the badge', async () => {
    writeFileSync(
      join(batches, 'one-times-out.json'),
      JSON.stringify({ name: 'one times out', jobs: [{ kind: 'sleep', params: { ms: 2000 }, timeoutMs: 100 }] }),
    )
    secondStart(join(batches, 'one-times-out.json'))
    await untilEnded('one times out')
    expect(standIn.badges.at(-1)).toBe(1)
  })

  it('says which field is wrong in a batch file it cannot open, and submits nothing', async () => {
    writeFileSync(join(batches, 'bad.json'), JSON.stringify({ jobs: [{ kind: 'sleep', params: { ms: -5 } }] }))
    const jobsBefore = ((await call('snapshot', {})) as { ok: true; value: { jobsTotal: number } }).value.jobsTotal
    secondStart('bad.json')
    await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(0), { timeout: 5000 })
    const box = standIn.messageBoxes.at(-1)!
    expect(box.type).toBe('warning')
    expect(box.detail).toContain('bad.json')
    expect(box.detail).toMatch(/jobs\[0\]\.params\.ms/)
    expect(((await call('snapshot', {})) as { ok: true; value: { jobsTotal: number } }).value.jobsTotal).toBe(jobsBefore)
  })

  it('leaves the taskbar and the power blocker alone when the settings turn them off', async () => {
    await call('updateSettings', { taskbarProgress: false, preventSleep: false })
    const window = theWindow()
    const progressBefore = window.progress.length
    const blockersBefore = standIn.powerBlockers.size
    writeFileSync(join(batches, 'quiet.json'), JSON.stringify({ name: 'quiet', jobs: [{ kind: 'sleep', params: { ms: 150 } }] }))
    secondStart('quiet.json')
    await untilEnded('quiet')
    expect(window.progress.slice(progressBefore).filter((v) => v !== -1)).toEqual([])
    expect(standIn.powerBlockers.size).toBe(blockersBefore)
    // Off also clears what was shown: the badge of the earlier failed job.
    expect(standIn.badges.at(-1)).toBe(0)
    await call('updateSettings', { taskbarProgress: true, preventSleep: true })
  })

  it('notifies a batch end while the window is in the background, and not when the setting turns it off', async () => {
    const window = theWindow()
    window.focused = false
    try {
      writeFileSync(
        join(batches, 'noticed.json'),
        JSON.stringify({ name: 'noticed', jobs: [{ kind: 'sleep', params: { ms: 50 } }] }),
      )
      secondStart('noticed.json')
      await untilEnded('noticed')
      expect(standIn.notifications.at(-1)).toEqual({ title: 'Batch done: noticed', body: '1 of 1 succeeded' })
      const shown = standIn.notifications.length
      await call('updateSettings', { notifications: false })
      writeFileSync(
        join(batches, 'unnoticed.json'),
        JSON.stringify({ name: 'unnoticed', jobs: [{ kind: 'sleep', params: { ms: 50 } }] }),
      )
      secondStart('unnoticed.json')
      await untilEnded('unnoticed')
      expect(standIn.notifications).toHaveLength(shown)
    } finally {
      window.focused = true
      await call('updateSettings', { notifications: true })
    }
  })

  it('has an "Open Logs Folder" menu item that opens the job logs folder', () => {
    const file = (standIn.menu as { label?: string; submenu?: { label?: string; click?: () => void }[] }[]).find(
      (m) => m.label === 'File',
    )!
    const item = file.submenu!.find((m) => m.label === 'Open Logs Folder')!
    item.click!()
    expect(standIn.openedPaths).toEqual([join(userData, 'logs')])
  })

  it('streams a batch file whose lines file is longer than a submit holds, read as its jobs run, until Cancel batch stops the reading', async () => {
    const LINES = 1_000_001 // the old cap was 1,000,000 lines, read whole
    writeFileSync(join(batches, 'many.txt'), Array.from({ length: LINES }, (_, i) => i).join('\n') + '\n')
    writeFileSync(
      join(batches, 'many-lines.json'),
      JSON.stringify({ name: 'many lines', template: { kind: 'noop', params: {} }, inputs: { lines: 'many.txt' } }),
    )
    const boxes = standIn.messageBoxes.length
    secondStart('many-lines.json')
    // Several windows of jobs (10,000 unfinished at most), so finished ones have left memory meanwhile.
    await vi.waitFor(
      async () => {
        if (standIn.messageBoxes.length > boxes) throw new Error(`refused: ${standIn.messageBoxes.at(-1)!.detail}`)
        expect((await batchNamed('many lines'))?.counts.succeeded).toBeGreaterThanOrEqual(30_000)
      },
      { timeout: 60_000, interval: 50 },
    )
    const running = (await batchNamed('many lines'))!
    // Its total is what has been read (the file's length is known at its end), far from the whole file.
    expect(running.endedAt).toBeNull()
    expect(running.total).toBeLessThan(LINES / 4)
    // The engine holds about a window of the batch's jobs, not the lines read so far.
    const held = ((await call('snapshot', {})) as { ok: true; value: { jobsTotal: number } }).value.jobsTotal
    expect(held).toBeLessThan(running.counts.succeeded)
    expect(((await call('cancelBatch', { batchId: running.id })) as { ok: boolean }).ok).toBe(true)
    await untilEnded('many lines')
    const ended = (await batchNamed('many lines'))!
    // Every job read is accounted for, and nothing was read after the cancel.
    expect(ended.counts.succeeded + ended.counts.cancelled).toBe(ended.total)
    expect(ended.total).toBeLessThan(LINES / 2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await batchNamed('many lines'))!.total).toBe(ended.total)
    expect(standIn.messageBoxes.length).toBe(boxes)
  }, 90_000)

  it('reads a lines file beside the batch file, a job per non-empty line, and names the line where a bad input stopped the reading', async () => {
    // Beside the batch file, not in the folder of the start that handed it over.
    mkdirSync(join(batches, 'sub'), { recursive: true })
    // Line 5 makes a name longer than 200 characters; line 3 is blank (a line, not an input).
    writeFileSync(join(batches, 'sub', 'waits.txt'), `a\r\nb\r\n\r\nc\r\n${'x'.repeat(250)}\r\nd\r\n`)
    writeFileSync(
      join(batches, 'sub', 'waits.json'),
      JSON.stringify({
        name: 'waits',
        template: { name: 'wait {}', kind: 'sleep', params: { ms: 5 } },
        inputs: { lines: 'waits.txt' },
      }),
    )
    const boxes = standIn.messageBoxes.length
    const settled: { batchId: number | null; name: string; state: string }[] = []
    const stopHearing = fakes.engines[0]!.onJobSettled((job) =>
      settled.push({ batchId: job.batchId, name: job.name, state: job.state }),
    )
    secondStart('sub/waits.json')
    await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 20_000, interval: 20 })
    const box = standIn.messageBoxes.at(-1)!
    expect(box.message).toMatch(/stopped reading/i)
    expect(box.detail).toContain(join(batches, 'sub', 'waits.json'))
    expect(box.detail).toMatch(/inputs\.lines\[line 5\]\.name: /)
    const batch = (await batchNamed('waits'))!
    // The lines before it ran (CRLF ends taken off); none after it was read.
    stopHearing()
    expect(settled.filter((job) => job.batchId === batch.id).map((job) => [job.name, job.state])).toEqual([
      ['wait a', 'succeeded'],
      ['wait b', 'succeeded'],
      ['wait c', 'succeeded'],
    ])
    expect(batch).toMatchObject({ total: 3 })
    expect(batch.endedAt).not.toBeNull()

    // Standard input is the CLI's: the app says so, and submits nothing.
    writeFileSync(join(batches, 'stdin.json'), JSON.stringify({ template: { kind: 'noop', params: {} }, inputs: { lines: '-' } }))
    secondStart('stdin.json')
    await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes + 1), { timeout: 5000 })
    expect(standIn.messageBoxes.at(-1)!.detail).toMatch(/inputs\.lines: "-" reads standard input/)
    expect(await batchNamed('stdin.json')).toBeUndefined()
  })
})

// A batch file's controls, opened the desktop way, have the meaning they have in `corelane run`
// and the window (README, "Batch controls"); its files are written beside the batch file.
describe('the batch controls of a batch file the desktop app opens', () => {
  it('halts at the first failure with "now,fail=1": the running job and the queued ones are cancelled', async () => {
    writeFileSync(
      join(batches, 'halts.json'),
      JSON.stringify({
        name: 'halts',
        halt: 'now,fail=1',
        jobs: [
          // A CPU slot of its own, so it fails while an I/O sleep is running (one I/O slot).
          { name: 'fails', kind: 'sleep', lane: 'cpu', params: { ms: 5000 }, timeoutMs: 150 },
          ...Array.from({ length: 4 }, (_, i) => ({ name: `sleep ${i}`, kind: 'sleep', params: { ms: 1500 } })),
        ],
      }),
    )
    const boxes = standIn.messageBoxes.length
    secondStart('halts.json')
    await untilEnded('halts')
    expect(standIn.messageBoxes.length).toBe(boxes)
    expect((await batchNamed('halts'))!.counts).toMatchObject({ 'timed-out': 1, cancelled: 4, succeeded: 0 })
  })

  it('spaces the starts of a lines file by its delay', async () => {
    writeFileSync(join(batches, 'spaced.txt'), 'a\nb\nc\nd\n')
    writeFileSync(
      join(batches, 'spaced.json'),
      JSON.stringify({ name: 'spaced', delay: '0.25s', template: { kind: 'noop', params: {} }, inputs: { lines: 'spaced.txt' } }),
    )
    const settled: { batchId: number | null; startedAt: number | null }[] = []
    const stopHearing = fakes.engines[0]!.onJobSettled((job) => settled.push({ batchId: job.batchId, startedAt: job.startedAt }))
    try {
      secondStart('spaced.json')
      await vi.waitFor(async () => expect(await batchNamed('spaced')).toBeDefined(), { timeout: 5000 })
      await untilEnded('spaced')
    } finally {
      stopHearing()
    }
    const batchId = (await batchNamed('spaced'))!.id
    const starts = settled.filter((job) => job.batchId === batchId).map((job) => job.startedAt!)
    starts.sort((a, b) => a - b)
    expect(starts).toHaveLength(4)
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(250 * 0.9)
  })

  it('holds its jobs under maxLoad and memFree, saying why, until Cancel batch', async () => {
    // Limits no machine meets (a load of 0 or more, a petabyte free), read from the real machine.
    for (const [name, control, lane, why] of [
      ['held by load', { maxLoad: 0 }, 'cpu', /^waiting for the load to drop: .* ≥ max-load 0$/],
      ['held by memory', { memFree: '1000T' }, 'io', /^waiting for memory: .* < mem-free /],
    ] as const) {
      writeFileSync(
        join(batches, `${name}.json`),
        JSON.stringify({ name, ...control, jobs: [{ kind: 'sleep', lane, params: { ms: 1 } }] }),
      )
      secondStart(`${name}.json`)
      await vi.waitFor(
        async () => {
          const listed = (await call('listJobs', { limit: 100 })) as {
            ok: true
            value: { jobs: { batchId: number | null; state: string; note: string | null }[] }
          }
          const batch = await batchNamed(name)
          const job = listed.value.jobs.find((j) => j.batchId === batch?.id)
          expect(job?.state).toBe('queued')
          expect(job?.note).toMatch(why)
        },
        { timeout: 5000, interval: 50 },
      )
      expect(((await call('cancelBatch', { batchId: (await batchNamed(name))!.id })) as { ok: boolean }).ok).toBe(true)
      await untilEnded(name)
      expect((await batchNamed(name))!.counts).toMatchObject({ cancelled: 1, succeeded: 0 })
    }
  })

  it('writes its joblog and results beside the batch file, not in the folder of the start that opened it', async () => {
    mkdirSync(join(batches, 'logged'), { recursive: true })
    writeFileSync(
      join(batches, 'logged', 'logged.json'),
      JSON.stringify({
        name: 'logged',
        joblog: 'run.joblog',
        results: 'out',
        keepOrder: true, // orders `corelane run --json` lines: ignored here, not refused
        template: { name: 'nap {}', kind: 'sleep', params: { ms: '{}' } },
        inputs: [5, 10, 15],
      }),
    )
    secondStart('logged/logged.json')
    await untilEnded('logged')
    const log = () =>
      readFileSync(join(batches, 'logged', 'run.joblog'), 'utf8')
        .trimEnd()
        .split('\n')
    await vi.waitFor(() => expect(log()).toHaveLength(4), { timeout: 5000, interval: 20 })
    const [header, ...lines] = log()
    expect(header).toBe('Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand')
    const rows = lines.map((line) => line.split('\t')).sort((a, b) => Number(a[0]) - Number(b[0]))
    expect(rows.map((row) => [row[0], row[6], row[8]])).toEqual([
      ['1', '0', 'sleep {"ms":5}'],
      ['2', '0', 'sleep {"ms":10}'],
      ['3', '0', 'sleep {"ms":15}'],
    ])
    const result = (input: number) => join(batches, 'logged', 'out', '1', String(input), 'result.json')
    await vi.waitFor(() => expect(existsSync(result(15))).toBe(true), { timeout: 5000, interval: 20 })
    for (const [seq, input] of [
      [1, 5],
      [2, 10],
      [3, 15],
    ] as const) {
      expect(JSON.parse(readFileSync(result(input), 'utf8'))).toEqual({
        state: 'succeeded',
        result: { sleptMs: expect.any(Number) },
      })
      expect(readFileSync(join(batches, 'logged', 'out', '1', String(input), 'seq'), 'utf8')).toBe(String(seq))
    }
    expect(existsSync(join(batches, 'run.joblog'))).toBe(false)
    expect(existsSync(join(batches, 'out'))).toBe(false)
  })

  it('names the control it cannot apply, and submits nothing', async () => {
    // A file where the results folder should be made.
    writeFileSync(join(batches, 'in-the-way'), '')
    const cases = [
      [{ halt: 'now,fail=many' }, /halt: /],
      [{ delay: 'soon' }, /delay: /],
      [{ joblog: '-' }, /joblog: "-" writes to standard output/],
      [{ results: 'in-the-way/out' }, /results: cannot create the folder .*in-the-way\/out/],
    ] as const
    for (const [i, [control, problem]] of cases.entries()) {
      const name = `bad control ${i}`
      writeFileSync(
        join(batches, `bad-control-${i}.json`),
        JSON.stringify({ name, ...control, jobs: [{ kind: 'noop', params: {} }] }),
      )
      const boxes = standIn.messageBoxes.length
      secondStart(`bad-control-${i}.json`)
      await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 5000, interval: 20 })
      expect(standIn.messageBoxes.at(-1)!.detail, JSON.stringify(control)).toMatch(problem)
      expect(await batchNamed(name), JSON.stringify(control)).toBeUndefined()
    }
  })

  it('lists the jobs of a --dry-run start and runs nothing; refuses the other `corelane run` flags, naming them', async () => {
    writeFileSync(join(batches, 'dry.txt'), 'x\ny\n')
    writeFileSync(
      join(batches, 'dry.json'),
      JSON.stringify({
        name: 'dry',
        halt: '1',
        template: { kind: 'shell', params: { argv: ['echo', '{}'] } },
        inputs: ['1', 'a b'],
      }),
    )
    writeFileSync(
      join(batches, 'dry-lines.json'),
      JSON.stringify({ name: 'dry lines', template: { kind: 'hash', params: { file: '{}' } }, inputs: { lines: 'dry.txt' } }),
    )
    for (const [file, count, commands] of [
      ['dry.json', 2, ['1  echo 1', "2  echo 'a b'"]],
      [
        'dry-lines.json',
        2,
        ['1  hash {"file":"x","rounds":1,"algorithm":"sha256"}', '2  hash {"file":"y","rounds":1,"algorithm":"sha256"}'],
      ],
    ] as const) {
      const boxes = standIn.messageBoxes.length
      secondStart(file, '--dry-run')
      await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 5000, interval: 20 })
      const box = standIn.messageBoxes.at(-1)!
      expect(box.message, box.detail).toBe(`Dry run: ${count} jobs, nothing was run`)
      expect(box.detail!.split('\n').slice(2)).toEqual(commands)
    }
    const boxes = standIn.messageBoxes.length
    secondStart('dry.json', '--halt', '2')
    await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 5000, interval: 20 })
    expect(standIn.messageBoxes.at(-1)!.detail).toMatch(/--halt: a flag of `corelane run`/)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await batchNamed('dry')).toBeUndefined()
    expect(await batchNamed('dry lines')).toBeUndefined()
  })
})
