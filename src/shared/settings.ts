// The app's settings: what the engine starts with (CPU slots, I/O concurrency, pinning), the
// cluster it hands jobs to (a Redis URL), and how the desktop app behaves (notifications,
// theme, launch at login, taskbar progress, sleep prevention). One schema for the file in the data folder, the contract's `updateSettings`
// and the Settings screen, so a bad value is refused the same way everywhere, naming the field.
import * as v from 'valibot'

export const THEMES = ['system', 'light', 'dark'] as const
export type Theme = (typeof THEMES)[number]

/** What the settings screen and the API show in place of a Redis URL's password. */
export const PASSWORD_MASK = '***'

function redisUrlProblem(text: string): string | null {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'not a URL: expected redis://[user:password@]host[:port][/db] or rediss://…'
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `expected a redis:// or rediss:// URL, got ${url.protocol}//`
  if (!url.hostname) return 'the URL names no host'
  return null
}

/** A Redis URL as messages and screens show it: the password, if any, masked. */
export function maskRedisUrl(text: string): string {
  try {
    const url = new URL(text)
    if (!url.password) return text
    url.password = PASSWORD_MASK
    return url.toString()
  } catch {
    return '(an unreadable URL)'
  }
}

/**
 * A URL sent back from a screen that showed it masked: the mask stands for the saved password
 * when the user, host, port and database are unchanged (only the password is masked, never kept).
 */
export function unmaskRedisUrl(text: string, saved: string | null): string {
  if (!saved) return text
  try {
    const url = new URL(text)
    const before = new URL(saved)
    if (url.password !== PASSWORD_MASK) return text
    const same = url.protocol === before.protocol && url.username === before.username && url.host === before.host
    if (!same || url.pathname !== before.pathname) return text
    url.password = before.password
    return url.toString()
  } catch {
    return text
  }
}

export const SettingsSchema = v.strictObject({
  /** CPU-lane slots the engine starts with; null: one per core. */
  cpuSlots: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024))),
  /** Concurrent jobs on the I/O lane the engine starts with. */
  ioConcurrency: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
  /** Pin CPU workers to cores (Linux, with taskset). */
  pinning: v.boolean(),
  /** A desktop notification when a batch ends while the window is in the background. */
  notifications: v.boolean(),
  theme: v.picklist(THEMES),
  /** Start Corelane when the user logs in (desktop only; off unless the user turns it on). */
  launchAtLogin: v.boolean(),
  /** Running batches' progress on the taskbar or dock icon, failed jobs as its badge (desktop only). */
  taskbarProgress: v.boolean(),
  /** Keep the computer from sleeping while batches run (desktop only). */
  preventSleep: v.boolean(),
  /**
   * The cluster's Redis (redis:// or rediss://, with the ACL user and password): jobs go to its
   * agents once this machine's slots are taken. null: no cluster. Applied at once.
   */
  clusterRedisUrl: v.nullable(
    v.pipe(
      v.string(),
      v.maxLength(2000),
      v.rawCheck(({ dataset, addIssue }) => {
        const problem = dataset.typed ? redisUrlProblem(dataset.value) : null
        if (problem) addIssue({ message: problem })
      }),
    ),
  ),
})

export type Settings = v.InferOutput<typeof SettingsSchema>

/** A change to some settings: every field optional, none unknown. */
export const SettingsPatchSchema = v.strictObject(
  Object.fromEntries(Object.entries(SettingsSchema.entries).map(([key, schema]) => [key, v.optional(schema)])) as {
    [K in keyof typeof SettingsSchema.entries]: v.OptionalSchema<(typeof SettingsSchema.entries)[K], undefined>
  },
)
export type SettingsPatch = v.InferOutput<typeof SettingsPatchSchema>

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  cpuSlots: null,
  ioConcurrency: 1000,
  pinning: false,
  notifications: true,
  theme: 'system',
  launchAtLogin: false,
  taskbarProgress: true,
  preventSleep: true,
  clusterRedisUrl: null,
})

/** The settings that only mean something in the desktop app (web mode shows them read-only). */
export const DESKTOP_ONLY_SETTINGS: readonly (keyof Settings)[] = [
  'launchAtLogin',
  'taskbarProgress',
  'preventSleep',
  'notifications',
]
