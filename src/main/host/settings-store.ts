// The settings file in the data folder (settings.json in Electron's userData, or web mode's
// data folder; named in data-layout.ts), checked against the shared schema on every read and
// every change. A file that does not parse or does not pass is kept aside
// (settings.json.invalid) and the defaults are used, so a hand-edited typo never stops the
// app; a refused change names the field and leaves the file as it was. Writes go to a
// temporary file renamed over the old one, so a crash mid-write leaves either the old
// settings or the new, never half of each.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { DEFAULT_SETTINGS, SettingsPatchSchema, SettingsSchema, type Settings } from '../../shared/settings.ts'
import { safeParseProblems, ValidationError, type FieldProblem } from '../../shared/validate.ts'
import { invalidSettingsPath, settingsPath } from '../engine/data-layout.ts'

export interface SettingsStore {
  readonly file: string
  get(): Settings
  /** Validates, merges, saves, then tells the listeners; throws ValidationError naming the field. */
  update(patch: unknown): Promise<Settings>
  /** Called after every saved change with the new settings and the previous ones. */
  onChange(listener: (next: Settings, previous: Settings) => void): () => void
  /** Why the file on disk was not used, if it was not (it was kept aside as settings.json.invalid). */
  readonly loadProblems: FieldProblem[]
}

export async function openSettingsStore(dir: string): Promise<SettingsStore> {
  await mkdir(dir, { recursive: true })
  const file = settingsPath(dir)
  let current: Settings = { ...DEFAULT_SETTINGS }
  let loadProblems: FieldProblem[] = []
  let text: string | null = null
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text !== null) {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      loadProblems = [{ field: '', message: `not valid JSON: ${(error as Error).message}` }]
    }
    if (!loadProblems.length) {
      // A file from an older version lacks newer fields: those take their defaults.
      const parsed = safeParseProblems(SettingsSchema, { ...DEFAULT_SETTINGS, ...(json as object) })
      if (parsed.ok) current = parsed.value
      else loadProblems = parsed.problems
    }
    if (loadProblems.length) await rename(file, invalidSettingsPath(file))
  }

  const listeners = new Set<(next: Settings, previous: Settings) => void>()
  // Changes are saved one after another, in the order they were asked for.
  let saving: Promise<unknown> = Promise.resolve()

  async function save(next: Settings): Promise<void> {
    const temporary = `${file}.${process.pid}.tmp`
    await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`)
    await rename(temporary, file)
  }

  return {
    file,
    loadProblems,
    get: () => ({ ...current }),
    update(patch) {
      const parsed = safeParseProblems(SettingsPatchSchema, patch)
      if (!parsed.ok) return Promise.reject(new ValidationError(parsed.problems))
      const run = saving.then(async () => {
        const previous = current
        const next: Settings = { ...current }
        for (const [key, value] of Object.entries(parsed.value)) if (value !== undefined) Object.assign(next, { [key]: value })
        await save(next)
        current = next
        for (const listener of listeners) listener({ ...next }, { ...previous })
        return { ...next }
      })
      saving = run.catch(() => undefined)
      return run
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
