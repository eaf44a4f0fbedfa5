// The theme: the user's choice (system, light or dark, kept in localStorage), the OS setting
// (prefers-color-scheme) it follows when set to system, and the scheme that results, written
// to <html data-theme> for the CSS. Canvases and charts read the result to re-read colours.
import { computed, effectScope, readonly, ref, watchEffect } from 'vue'
import type { Ref } from 'vue'

export type ColorScheme = 'light' | 'dark'
export type ThemePreference = 'system' | ColorScheme

export const THEME_KEY = 'corelane.theme'
const PREFERENCES: readonly ThemePreference[] = ['system', 'light', 'dark']

const system = ref<ColorScheme>('light')
const preference = ref<ThemePreference>('system')
const scheme = computed<ColorScheme>(() => (preference.value === 'system' ? system.value : preference.value))
let started = false

function readPreference(): ThemePreference {
  try {
    const saved = window.localStorage.getItem(THEME_KEY)
    return PREFERENCES.includes(saved as ThemePreference) ? (saved as ThemePreference) : 'system'
  } catch {
    return 'system' // storage can be unavailable (sandboxed pages)
  }
}

/** Reads the saved choice and the OS setting once, and keeps <html data-theme> in step. */
export function startTheme(): void {
  if (started || typeof window === 'undefined') return
  started = true
  preference.value = readPreference()
  if (typeof window.matchMedia === 'function') {
    const query = window.matchMedia('(prefers-color-scheme: dark)')
    system.value = query.matches ? 'dark' : 'light'
    query.addEventListener?.('change', (event) => {
      system.value = event.matches ? 'dark' : 'light'
    })
  }
  // A scope of its own: the first component to ask must not take the theme with it when it goes.
  effectScope(true).run(() =>
    watchEffect(() => {
      document.documentElement.dataset.theme = scheme.value
    }),
  )
}

export function useColorScheme(): Readonly<Ref<ColorScheme>> {
  startTheme()
  return scheme
}

/** The user's choice, and a setter that saves it. */
export function useThemePreference(): { preference: Readonly<Ref<ThemePreference>>; set: (next: ThemePreference) => void } {
  startTheme()
  return {
    preference: readonly(preference),
    set(next) {
      preference.value = next
      try {
        window.localStorage.setItem(THEME_KEY, next)
      } catch {
        // not saved: the choice still holds for this page
      }
    },
  }
}

/** Reads a CSS variable from the root (theme colours for canvas drawing). */
export function cssVar(name: string, fallback = '#888'): string {
  if (typeof document === 'undefined') return fallback
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return value || fallback
}
