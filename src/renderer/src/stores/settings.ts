// The settings screen's state: the host's saved settings (settings.json in its data folder,
// through the contract's getSettings/updateSettings, in the desktop app and in web mode alike),
// the form's draft, and the problems of the last save, by field. A draft is checked with the
// same shared schema the host uses before it is sent, so a bad value is named at once; the
// host checks it again. Only what changed is sent.
// The theme is one of these settings and the one the window applies itself: the host's saved
// `theme` is the truth, the toolbar's picker and this screen both change it through here, and
// the theme composable holds what is in force (caching it in the browser for the first paint).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { SettingsPatchSchema, type Settings, type SettingsPatch, type Theme } from '../../../shared/settings.ts'
import { safeParseProblems, type FieldProblem } from '../../../shared/validate.ts'
import { call } from '../api/api.ts'
import { useThemePreference } from '../composables/use-color-scheme.ts'
import { toCommandError } from '../transport/errors.ts'
import { useNoticesStore } from './notices.ts'

export const useSettingsStore = defineStore('settings', () => {
  const open = ref(false)
  const saved = shallowRef<Settings | null>(null)
  const draft = ref<Settings | null>(null)
  /** The desktop app applies every setting; web mode has no taskbar, no login items, no notifications. */
  const desktop = ref(false)
  const state = ref<'idle' | 'loading' | 'ready' | 'saving' | 'error'>('idle')
  const loadError = ref<string | null>(null)
  const problems = shallowRef<FieldProblem[]>([])
  const savedAt = ref<number | null>(null)
  const theme = useThemePreference()
  /** Bumped by every theme change here, so a load that was asked before it does not undo it. */
  let themeChanges = 0

  /** Takes the host's settings as saved, and applies their theme unless the user chose since `asked`. */
  function take(view: { settings: Settings; desktop: boolean }, asked = themeChanges): void {
    saved.value = view.settings
    desktop.value = view.desktop
    if (asked === themeChanges) theme.set(view.settings.theme)
  }

  /** The fields that differ from what the host has. */
  const changes = computed<SettingsPatch>(() => {
    if (!saved.value || !draft.value) return {}
    const patch: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(draft.value)) if (saved.value[key as keyof Settings] !== value) patch[key] = value
    return patch as SettingsPatch
  })
  const dirty = computed(() => Object.keys(changes.value).length > 0)

  function problemFor(field: keyof Settings): string | null {
    return problems.value.find((p) => p.field === field)?.message ?? null
  }

  async function show(): Promise<void> {
    open.value = true
    problems.value = []
    savedAt.value = null
    state.value = 'loading'
    try {
      const asked = themeChanges
      const view = await call('getSettings', {})
      take(view, asked)
      draft.value = { ...view.settings }
      state.value = 'ready'
      loadError.value = null
    } catch (err) {
      loadError.value = toCommandError(err).message
      state.value = 'error'
    }
  }

  function close(): void {
    open.value = false
  }

  async function save(): Promise<boolean> {
    const patch = changes.value
    const checked = safeParseProblems(SettingsPatchSchema, patch)
    if (!checked.ok) {
      problems.value = checked.problems
      return false
    }
    state.value = 'saving'
    try {
      const view = await call('updateSettings', checked.value)
      if (checked.value.theme !== undefined) themeChanges++
      take(view)
      draft.value = { ...view.settings }
      problems.value = []
      savedAt.value = Date.now()
      state.value = 'ready'
      return true
    } catch (err) {
      const error = toCommandError(err)
      problems.value = error.fields.length ? error.fields : [{ field: '', message: error.message }]
      state.value = 'ready'
      return false
    }
  }

  /** At connect: the saved settings, quietly (a host that keeps none leaves the browser's theme). */
  async function load(): Promise<void> {
    const asked = themeChanges
    try {
      take(await call('getSettings', {}), asked)
    } catch {
      // No settings on this host (or not yet reachable): the theme cached in this browser stays.
    }
  }

  /** The toolbar's picker: applied at once, then saved with the other settings. */
  async function setTheme(next: Theme): Promise<void> {
    themeChanges++
    theme.set(next)
    // An open Settings screen shows the choice too, without losing what else is typed there.
    if (draft.value) draft.value.theme = next
    try {
      const view = await call('updateSettings', { theme: next })
      saved.value = view.settings
      desktop.value = view.desktop
    } catch (err) {
      // A host that keeps no settings: the choice holds in this browser. Anything else is said.
      if (toCommandError(err).code !== 'not-found') useNoticesStore().error('Could not save the theme', err)
    }
  }

  return {
    open,
    saved,
    draft,
    desktop,
    state,
    loadError,
    problems,
    savedAt,
    changes,
    dirty,
    problemFor,
    show,
    close,
    save,
    load,
    setTheme,
  }
})
