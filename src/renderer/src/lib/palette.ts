// Stable colours: one per job kind (task stream, legend) and one per core (history chart),
// distinct enough in both themes.
import { KIND_NAMES } from '../../../shared/kinds.ts'

const KIND_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#8cd17d',
  '#499894',
  '#d37295',
  '#a0cbe8',
  '#ffbe7d',
]

export function kindColour(kind: string): string {
  let index = (KIND_NAMES as readonly string[]).indexOf(kind)
  if (index < 0) index = [...kind].reduce((sum, ch) => sum + ch.charCodeAt(0), 0)
  return KIND_COLOURS[index % KIND_COLOURS.length] as string
}

/** Golden-angle hues so neighbouring cores never share a colour. */
export function coreColour(core: number, dark: boolean): string {
  const hue = Math.round((core * 137.508) % 360)
  return `hsl(${hue} ${dark ? 70 : 65}% ${dark ? 62 : 45}%)`
}

export type LoadLevel = 'low' | 'mid' | 'high' | 'max'

export function loadLevel(percent: number): LoadLevel {
  if (percent >= 90) return 'max'
  if (percent >= 70) return 'high'
  if (percent >= 30) return 'mid'
  return 'low'
}
