// The settings file on real disk: defaults when there is none, the saved values back on the
// next open, a bad change refused naming the field (the file untouched), a damaged or invalid
// file kept aside for the defaults, a file from an older version completed with defaults, and
// changes saved in the order they were asked for.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../../src/shared/settings.ts'
import { ValidationError } from '../../../src/shared/validate.ts'
import { openSettingsStore } from '../../../src/main/host/settings-store.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-settings-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('settings store', () => {
  it('starts from the defaults and keeps what was saved for the next start', async () => {
    const store = await openSettingsStore(dir)
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
    expect(DEFAULT_SETTINGS.launchAtLogin).toBe(false) // opt-in
    const seen: string[] = []
    store.onChange((next, previous) => seen.push(`${previous.theme}->${next.theme}`))
    await store.update({ theme: 'dark', cpuSlots: 4 })
    expect(seen).toEqual(['system->dark'])
    const again = await openSettingsStore(dir)
    expect(again.get()).toMatchObject({ theme: 'dark', cpuSlots: 4, ioConcurrency: DEFAULT_SETTINGS.ioConcurrency })
    expect(await readdir(dir)).toEqual(['settings.json'])
  })

  it('refuses a bad change naming the field, and leaves the file as it was', async () => {
    const store = await openSettingsStore(dir)
    await store.update({ pinning: true })
    const before = await readFile(store.file, 'utf8')
    for (const [patch, field] of [
      [{ cpuSlots: 0 }, 'cpuSlots'],
      [{ cpuSlots: 1025 }, 'cpuSlots'],
      [{ theme: 'neon' }, 'theme'],
      [{ notifications: 'no' }, 'notifications'],
      [{ whatever: true }, 'whatever'],
    ] as const) {
      const error = await store.update(patch).catch((e: unknown) => e)
      expect(error, JSON.stringify(patch)).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).problems.map((p) => p.field).join(' ')).toContain(field)
    }
    expect(await readFile(store.file, 'utf8')).toBe(before)
    expect(store.get().pinning).toBe(true)
  })

  it('keeps a damaged or invalid file aside and uses the defaults', async () => {
    for (const text of ['{ not json', JSON.stringify({ theme: 'neon' })]) {
      await writeFile(join(dir, 'settings.json'), text)
      const store = await openSettingsStore(dir)
      expect(store.get()).toEqual(DEFAULT_SETTINGS)
      expect(store.loadProblems.length).toBeGreaterThan(0)
      expect(await readFile(join(dir, 'settings.json.invalid'), 'utf8')).toBe(text)
    }
  })

  it('completes a file from an older version with the defaults of newer settings', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ cpuSlots: 2 }))
    const store = await openSettingsStore(dir)
    expect(store.loadProblems).toEqual([])
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, cpuSlots: 2 })
  })

  it('saves changes in the order they were asked for', async () => {
    const store = await openSettingsStore(dir)
    await Promise.all([1, 2, 3, 4, 5].map((n) => store.update({ cpuSlots: n })))
    expect(store.get().cpuSlots).toBe(5)
    expect(JSON.parse(await readFile(store.file, 'utf8')).cpuSlots).toBe(5)
  })
})
