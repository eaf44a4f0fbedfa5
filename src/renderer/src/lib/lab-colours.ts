// The theme's colours for the lab's canvases, read from the CSS variables (so charts, the
// PNG export and the rest of the window agree, in light and dark).
import type { LabColours } from './lab-draw.ts'
import { coreColour } from './palette.ts'

export function labColours(readVar: (name: string, fallback: string) => string, dark: boolean): LabColours {
  return {
    text: readVar('--text', dark ? '#e6e9ee' : '#1b1f24'),
    muted: readVar('--muted', '#5d6673'),
    grid: readVar('--grid', dark ? '#2a3038' : '#e4e7ec'),
    panel: readVar('--panel', dark ? '#191d23' : '#ffffff'),
    accent: readVar('--accent', '#2563eb'),
    ok: readVar('--ok', '#1e7f3c'),
    danger: readVar('--danger', '#c62828'),
    warn: readVar('--warn', '#a15c00'),
    core: (index) => coreColour(index, dark),
  }
}
