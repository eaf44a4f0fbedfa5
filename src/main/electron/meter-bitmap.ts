// The tray icon is drawn, not shipped: a small bar meter of total CPU, filled from the bottom,
// green to amber to red. Raw BGRA pixels for nativeImage.createFromBitmap. Pure, so it is
// tested on plain Node.

export interface MeterBitmap {
  width: number
  height: number
  /** BGRA, row by row from the top. */
  pixels: Buffer
}

type Rgba = [number, number, number, number]

const FRAME: Rgba = [140, 140, 140, 255]
const EMPTY: Rgba = [0, 0, 0, 60]

function fillColour(percent: number): Rgba {
  if (percent >= 85) return [220, 60, 50, 255]
  if (percent >= 60) return [230, 160, 40, 255]
  return [60, 180, 90, 255]
}

export function cpuMeterBitmap(percent: number, size = 16): MeterBitmap {
  const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0
  const pixels = Buffer.alloc(size * size * 4)
  const inner = size - 4 // inside the frame, with a one pixel gap
  const filledRows = Math.round((p / 100) * inner)
  const fill = fillColour(p)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const edge = x === 0 || y === 0 || x === size - 1 || y === size - 1
      const inside = x >= 2 && y >= 2 && x < size - 2 && y < size - 2
      let colour: Rgba | null = null
      if (edge) colour = FRAME
      else if (inside) colour = size - 3 - y < filledRows ? fill : EMPTY
      if (!colour) continue
      const i = (y * size + x) * 4
      pixels[i] = colour[2]
      pixels[i + 1] = colour[1]
      pixels[i + 2] = colour[0]
      pixels[i + 3] = colour[3]
    }
  }
  return { width: size, height: size, pixels }
}
