// The app's settings: what the engine starts with (CPU slots, I/O concurrency, pinning) and
// how the desktop app behaves (notifications, theme, launch at login, taskbar progress, sleep
// prevention). One schema for the file in the data folder, the contract's `updateSettings`
// and the Settings screen, so a bad value is refused the same way everywhere, naming the field.
import * as v from 'valibot'

export const THEMES = ['system', 'light', 'dark'] as const
export type Theme = (typeof THEMES)[number]

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
})

/** The settings that only mean something in the desktop app (web mode shows them read-only). */
export const DESKTOP_ONLY_SETTINGS: readonly (keyof Settings)[] = [
  'launchAtLogin',
  'taskbarProgress',
  'preventSleep',
  'notifications',
]
