// The data folder's layout (src/main/engine/data-layout.ts): every path it names lands inside
// the folder, no two of them are the same place, the derived names (a log's stderr ranges, a
// settings file kept aside, a damaged database kept aside) sit beside what they derive from,
// and no other source file spells a data-folder name itself (the module's "only here").
import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as layout from '../../src/main/engine/data-layout.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DATA = join(sep, 'srv', 'corelane data')

/** Every place the layout names in one data folder, for one job and one agent. */
function everyPath(dataDir: string): Record<string, string> {
  return {
    database: layout.databasePath(dataDir),
    lock: layout.lockPath(dataDir),
    logs: layout.logsDir(dataDir),
    outputs: layout.outputsDir(dataDir, 7),
    compileCache: layout.compileCacheDir(dataDir),
    commandGroups: layout.commandGroupsPath(dataDir),
    settings: layout.settingsPath(dataDir),
    windowState: layout.windowStatePath(dataDir),
    agent: layout.agentDataDir(dataDir, 'box-1'),
    labScratch: layout.labScratchPrefix(dataDir),
  }
}

// LARGE_RESULT_FILE is left out: a --results folder (not the data folder) has a result.json too.
const NAMES = [
  layout.DATABASE_FILE,
  layout.LOCK_FILE,
  layout.LOGS_DIR,
  layout.OUTPUTS_DIR,
  layout.COMPILE_CACHE_DIR,
  layout.COMMAND_GROUPS_FILE,
  layout.SETTINGS_FILE,
  layout.WINDOW_STATE_FILE,
  layout.AGENTS_DIR,
]
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
const quoted = (names: string[]) => `['"\`](?:${names.map(escape).join('|')})['"\`]`
// A layout name as a literal path segment handed to join() (whose other arguments may be calls,
// one level deep: `join(tmpdir(), …)`), or a data-folder file name (they have a dot, so they
// are not taken for a CLI command such as `agents`) quoted anywhere.
const IN_JOIN = new RegExp(`join\\((?:[^()]|\\([^()]*\\))*${quoted([...NAMES, layout.LAB_SCRATCH_PREFIX])}`)
const FILE_LITERAL = new RegExp(quoted(NAMES.filter((name) => name.includes('.'))))

/** The lines of `text` that spell a data-folder name instead of asking data-layout.ts. */
function leaks(text: string): string[] {
  return text.split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && (IN_JOIN.test(line) || FILE_LITERAL.test(line)))
}

describe('the data folder layout', () => {
  it('keeps every path inside the data folder, each in a place of its own', () => {
    const paths = everyPath(DATA)
    for (const [what, path] of Object.entries(paths)) {
      const inside = relative(DATA, path)
      expect(inside.startsWith('..') || inside === '', `${what}: ${path}`).toBe(false)
    }
    const topLevel = Object.values(paths).map((path) => relative(DATA, path).split(sep)[0])
    expect(new Set(topLevel).size).toBe(topLevel.length)
    expect(new Set(NAMES).size).toBe(NAMES.length)
  })

  it("puts a job's log and its stderr ranges side by side in the logs folder, whatever the data folder is called", () => {
    const odd = join(sep, 'tmp', 'x.log')
    const log = layout.logPath(odd, 42)
    expect(log).toBe(join(layout.logsDir(odd), layout.logFileName(42)))
    const ranges = layout.stderrRangesPath(log)
    expect(dirname(ranges)).toBe(layout.logsDir(odd))
    expect(basename(ranges)).not.toBe(basename(log))
    expect(ranges.startsWith(odd + sep)).toBe(true)
    expect(layout.stderrRangesPath(layout.logPath(odd, 43))).not.toBe(ranges)
  })

  it('keeps an invalid settings file and a damaged database beside the originals, under names of their own', () => {
    const settings = layout.settingsPath(DATA)
    const invalid = layout.invalidSettingsPath(settings)
    expect(dirname(invalid)).toBe(DATA)
    expect(invalid).not.toBe(settings)

    const database = layout.databasePath(DATA)
    const earlier = layout.corruptDatabasePath(database, new Date(Date.UTC(2026, 0, 2, 9, 5, 3, 7)))
    const later = layout.corruptDatabasePath(database, new Date(Date.UTC(2026, 0, 2, 10, 0, 0, 0)))
    expect(dirname(earlier)).toBe(DATA)
    expect(basename(earlier).startsWith(layout.DATABASE_FILE)).toBe(true)
    // Windows refuses `:` in a file name; ISO times have them.
    expect(basename(earlier)).not.toMatch(/[:]/)
    expect(earlier).not.toBe(database)
    // Two resets keep two files, listed in the order they happened.
    expect(later).not.toBe(earlier)
    expect([later, earlier].sort()).toEqual([earlier, later])
  })

  it('is the only source file that spells a data-folder name', async () => {
    // The check itself must see the spellings it is there to catch.
    expect(leaks("  const file = join(dataDir, 'logs')")).toHaveLength(1)
    expect(leaks("export const SETTINGS_FILE = 'settings.json'")).toHaveLength(1)
    expect(leaks("  await mkdtemp(join(tmpdir(), 'corelane-lab-'))")).toHaveLength(1)
    expect(leaks("const COMMANDS = new Set(['run', 'agents'])")).toEqual([])

    const own = join('src', 'main', 'engine', 'data-layout.ts')
    const files = (await readdir(join(ROOT, 'src'), { recursive: true }))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join('src', file))
      .filter((file) => file !== own)
    expect(files.length).toBeGreaterThan(50)
    const found: string[] = []
    for (const file of files) {
      for (const line of leaks(await readFile(join(ROOT, file), 'utf8'))) found.push(`${file}: ${line.trim()}`)
    }
    expect(found).toEqual([])
  })
})
