// The desktop app's habits, with the real src/main/index.ts started against the electron
// stand-in over a REAL engine and API host (desktop-app.ts; real worker threads, real settings
// file in a temporary userData; only the database and the monitor are named fakes). It reads
// what the app asked Electron to do: progress-bar values during a batch, the badge, the
// power-save blocker, login items, crash reporting, notifications, the menu, and the warnings it
// shows. What Electron and the OS then do with those calls is not shown here (README.md, "The
// desktop app"). Batch files opened from the OS: desktop-batch-files.test.ts.
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { call, closeDesktopApp, fakes, secondStart, startDesktopApp, theWindow, untilEnded } from './desktop-app.ts'
import { standIn } from './electron-stand-in.ts'

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
// FAKE: the job database (its store worker entry exists only in the built app): a real engine without a store.
vi.mock('../../src/main/host/persistent-engine.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutStore(await importOriginal()),
)
// FAKE: the monitor (its sampler thread's entry exists only in the built app).
vi.mock('../../src/main/engine/index.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutMonitor(await importOriginal()),
)

let userData: string
let batches: string
const settingsOnDisk = () => JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8')) as Record<string, unknown>

beforeAll(async () => {
  // Saved by an earlier session: the engine must start with these.
  ;({ userData, batches } = await startDesktopApp({ cpuSlots: 3, ioConcurrency: 1 }))
}, 60_000)

afterAll(closeDesktopApp)

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
})
