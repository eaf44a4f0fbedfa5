// Which theme the OS asks for (prefers-color-scheme). CSS follows it by itself; this is for
// canvases and charts that must re-read their colours, and for the toolbar's indicator.
import { readonly, ref } from 'vue'
import type { Ref } from 'vue'

export type ColorScheme = 'light' | 'dark'

const scheme = ref<ColorScheme>('light')
let watching = false

function watchScheme(): void {
  if (watching || typeof window === 'undefined' || typeof window.matchMedia !== 'function') return
  watching = true
  const query = window.matchMedia('(prefers-color-scheme: dark)')
  scheme.value = query.matches ? 'dark' : 'light'
  query.addEventListener?.('change', (event) => {
    scheme.value = event.matches ? 'dark' : 'light'
  })
}

export function useColorScheme(): Readonly<Ref<ColorScheme>> {
  watchScheme()
  return readonly(scheme)
}

/** Reads a CSS variable from the root (theme colours for canvas drawing). */
export function cssVar(name: string, fallback = '#888'): string {
  if (typeof document === 'undefined') return fallback
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return value || fallback
}
