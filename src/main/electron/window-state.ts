// Remembers the window's size, position and maximised state in a small JSON file in userData,
// read and written asynchronously (never sync I/O on the main thread), written atomically
// (temp file, then rename) and at most twice a second while the user drags. A saved position
// that is no longer on any display (a monitor was unplugged) is dropped, so the window never
// opens off-screen. Only types come from electron, so this runs on plain Node in tests.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { BrowserWindow, Rectangle } from 'electron'

export interface WindowState {
  x?: number
  y?: number
  width: number
  height: number
  maximized: boolean
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false }
const MIN_SIZE = 320
const MAX_SIZE = 100_000
const SAVE_DELAY_MS = 500

const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max

/** Whatever the file holds (nothing, garbage, hand edits), a usable state comes out. */
export function parseWindowState(text: string | null): WindowState {
  if (!text) return { ...DEFAULT_WINDOW_STATE }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return { ...DEFAULT_WINDOW_STATE }
  }
  if (typeof data !== 'object' || data === null) return { ...DEFAULT_WINDOW_STATE }
  const d = data as Record<string, unknown>
  if (!isInt(d.width, MIN_SIZE, MAX_SIZE) || !isInt(d.height, MIN_SIZE, MAX_SIZE)) return { ...DEFAULT_WINDOW_STATE }
  const state: WindowState = { width: d.width, height: d.height, maximized: d.maximized === true }
  if (isInt(d.x, -MAX_SIZE, MAX_SIZE) && isInt(d.y, -MAX_SIZE, MAX_SIZE)) {
    state.x = d.x
    state.y = d.y
  }
  return state
}

/** Keeps the position only if enough of the window's title bar area lands on some display. */
export function fitToDisplays(state: WindowState, workAreas: Rectangle[]): WindowState {
  if (state.x === undefined || state.y === undefined) return state
  const { x, y, width } = state
  const visible = workAreas.some((area) => {
    const overlapX = Math.min(x + width, area.x + area.width) - Math.max(x, area.x)
    const topInside = y >= area.y && y < area.y + area.height - 40
    return overlapX >= 100 && topInside
  })
  if (visible) return state
  const { x: _x, y: _y, ...rest } = state
  return rest
}

export async function loadWindowState(file: string): Promise<WindowState> {
  try {
    return parseWindowState(await readFile(file, 'utf8'))
  } catch {
    return parseWindowState(null)
  }
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, `${JSON.stringify(state)}\n`)
  await rename(temp, file)
}

type TrackedWindow = Pick<
  BrowserWindow,
  'on' | 'isDestroyed' | 'isMaximized' | 'isMinimized' | 'isFullScreen' | 'getNormalBounds'
>

/** Saves the window's state as it changes; `flush()` writes the latest now (call before quitting). */
export function trackWindowState(window: TrackedWindow, file: string): { flush(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null
  let latest: WindowState | null = null
  let writing: Promise<void> = Promise.resolve()

  const capture = () => {
    if (window.isDestroyed() || window.isMinimized()) return
    // Normal bounds: the size to come back to, even when maximised or full screen.
    const bounds = window.getNormalBounds()
    latest = { ...bounds, maximized: window.isMaximized() || window.isFullScreen() }
  }
  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer)
    timer = null
    const state = latest
    if (!state) return writing
    latest = null
    // One write at a time, in order: the last state wins.
    writing = writing
      .then(() => saveWindowState(file, state))
      .catch((error: unknown) => console.error('corelane: could not save the window state', error))
    return writing
  }
  const schedule = () => {
    capture()
    timer ??= setTimeout(write, SAVE_DELAY_MS)
  }
  window.on('resize', schedule)
  window.on('move', schedule)
  window.on('maximize', schedule)
  window.on('unmaximize', schedule)
  window.on('close', () => {
    capture()
    void write()
  })
  return {
    flush() {
      capture()
      return write()
    },
  }
}
