// The settings screen's state: the host's saved settings (settings.json in its data folder,
// through the contract's getSettings/updateSettings, in the desktop app and in web mode alike),
// the form's draft, and the problems of the last save, by field. A draft is checked with the
// same shared schema the host uses before it is sent, so a bad value is named at once; the
// host checks it again. Only what changed is sent.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { SettingsPatchSchema, type Settings, type SettingsPatch } from '../../../shared/settings.ts'
import { safeParseProblems, type FieldProblem } from '../../../shared/validate.ts'
import { call } from '../api/api.ts'
import { toCommandError } from '../transport/errors.ts'

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
      const view = await call('getSettings', {})
      saved.value = view.settings
      draft.value = { ...view.settings }
      desktop.value = view.desktop
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
      saved.value = view.settings
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

  return { open, saved, draft, desktop, state, loadError, problems, savedAt, changes, dirty, problemFor, show, close, save }
})
