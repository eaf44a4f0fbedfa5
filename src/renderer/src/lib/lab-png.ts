// A lab result as one picture, for the PNG export: title and settings, the explanation, the
// wall-time bars of every strategy (expected bands included), each strategy's per-core load
// and job timeline side by side, and the checks. Drawn with lib/lab-draw.ts on a canvas the
// caller turns into a file (canvas.toBlob).
import type { ExpectationCheck, LabResult } from '../../../shared/lab.ts'
import { formatDuration, formatPreciseDuration, formatSpeedup } from './format.ts'
import { expectedText } from './lab-checks.ts'
import { drawCoreLoad, drawTimeline, drawWallBars, font, wallBarsHeight } from './lab-draw.ts'
import type { LabColours, WallBarsOptions } from './lab-draw.ts'

const WIDTH = 1200
const PAD = 24
const GAP = 14
const BARS: WallBarsOptions = { labelWidth: 270, rowHeight: 26, fontPx: 12 }
const PANEL_HEAD = 36
const LOAD_H = 60
const TIMELINE_H = 44
const PANEL_H = PANEL_HEAD + LOAD_H + 8 + TIMELINE_H + 10
const LINE = 19

type Ctx = CanvasRenderingContext2D

/** Greedy word wrap at `maxWidth` with the context's current font. */
export function wrapText(ctx: Pick<Ctx, 'measureText'>, text: string, maxWidth: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word
    if (line && ctx.measureText(next).width > maxWidth) {
      lines.push(line)
      line = word
    } else line = next
  }
  if (line) lines.push(line)
  return lines
}

function settings(result: LabResult): string {
  const parts = [
    `${result.scale} scale`,
    `pool ${result.pool}`,
    `${result.cores} ${result.cores === 1 ? 'core' : 'cores'}`,
    new Date(result.startedAt).toLocaleString(),
  ]
  if (result.python.available && result.python.version) parts.push(result.python.version)
  return parts.join(' · ')
}

function checkLine(result: LabResult, index: number): string {
  const c = result.checks[index] as ExpectationCheck
  const label = result.strategies.find((s) => s.strategy === c.strategy)?.label ?? c.strategy
  return `${c.text} (${label}): expected ${expectedText(c)}, measured ${formatPreciseDuration(c.measuredMs)}`
}

/** Draws the picture on `canvas` (resized to fit) at `scale` device pixels per CSS pixel. */
export function paintLabPng(canvas: HTMLCanvasElement, result: LabResult, colours: LabColours, scale = 2): boolean {
  const measure = canvas.getContext('2d')
  if (!measure) return false
  const inner = WIDTH - 2 * PAD
  measure.font = font(14, 600)
  const explanation = wrapText(measure, result.explanation, inner)
  measure.font = font(13)
  const note = result.python.note ? wrapText(measure, `Python: ${result.python.note}`, inner) : []
  measure.font = font(12)
  const checks = result.checks.map((_, i) => wrapText(measure, checkLine(result, i), inner - 70))
  const ran = result.strategies.filter((s) => !s.skipped)
  const cols = Math.max(1, Math.min(4, ran.length))
  const panelW = (inner - (cols - 1) * GAP) / cols
  const panelRows = Math.ceil(ran.length / cols)

  const height =
    PAD +
    28 +
    22 +
    explanation.length * 20 +
    note.length * 18 +
    GAP +
    18 +
    wallBarsHeight(result, BARS) +
    GAP +
    (ran.length ? 18 + panelRows * (PANEL_H + GAP) : 0) +
    18 +
    checks.reduce((n, lines) => n + lines.length * LINE, 0) +
    GAP +
    20 +
    PAD

  canvas.width = Math.round(WIDTH * scale)
  canvas.height = Math.round(height * scale)
  const ctx = canvas.getContext('2d')
  if (!ctx) return false
  ctx.setTransform(scale, 0, 0, scale, 0, 0)
  ctx.fillStyle = colours.panel
  ctx.fillRect(0, 0, WIDTH, height)
  ctx.textBaseline = 'alphabetic'
  ctx.textAlign = 'left'

  let y = PAD + 20
  ctx.fillStyle = colours.text
  ctx.font = font(20, 700)
  ctx.fillText(`Corelane lab: ${result.title}`, PAD, y, inner)
  y += 22
  ctx.fillStyle = colours.muted
  ctx.font = font(12)
  ctx.fillText(settings(result), PAD, y, inner)
  y += 24
  ctx.fillStyle = colours.text
  ctx.font = font(14, 600)
  for (const line of explanation) {
    ctx.fillText(line, PAD, y)
    y += 20
  }
  ctx.fillStyle = colours.warn
  ctx.font = font(13)
  for (const line of note) {
    ctx.fillText(line, PAD, y)
    y += 18
  }

  const heading = (text: string) => {
    y += GAP
    ctx.fillStyle = colours.muted
    ctx.font = font(11, 600)
    ctx.fillText(text.toUpperCase(), PAD, y)
    y += 8
  }

  heading('Wall time per strategy (band: expected ± tolerance)')
  const barsH = wallBarsHeight(result, BARS)
  drawWallBars(ctx, { x: PAD, y, w: inner, h: barsH }, result, colours, BARS)
  y += barsH

  if (ran.length) {
    heading('Per-core load and jobs per worker, each over its own run')
    ran.forEach((s, i) => {
      const x = PAD + (i % cols) * (panelW + GAP)
      const top = y + Math.floor(i / cols) * (PANEL_H + GAP)
      ctx.strokeStyle = colours.grid
      ctx.lineWidth = 1
      ctx.strokeRect(x + 0.5, top + 0.5, panelW - 1, PANEL_H - 1)
      ctx.fillStyle = colours.text
      ctx.font = font(12, 600)
      ctx.fillText(s.label, x + 8, top + 16, panelW - 16)
      ctx.fillStyle = colours.muted
      ctx.font = font(11)
      ctx.fillText(`${formatDuration(s.wallMs)} · ${formatSpeedup(s.speedup)} · pool ${s.pool}`, x + 8, top + 30, panelW - 16)
      drawCoreLoad(ctx, { x: x + 8, y: top + PANEL_HEAD, w: panelW - 16, h: LOAD_H }, s, result.cores, colours)
      drawTimeline(ctx, { x: x + 8, y: top + PANEL_HEAD + LOAD_H + 8, w: panelW - 16, h: TIMELINE_H }, s, colours)
    })
    y += panelRows * (PANEL_H + GAP) - GAP
  }

  heading('Expectations')
  y += 6
  result.checks.forEach((check, i) => {
    ctx.font = font(12, 700)
    ctx.fillStyle = check.met ? colours.ok : colours.danger
    ctx.fillText(check.met ? 'met' : 'MISSED', PAD, y + 4)
    ctx.font = font(12)
    ctx.fillStyle = colours.text
    for (const line of checks[i] ?? []) {
      ctx.fillText(line, PAD + 70, y + 4)
      y += LINE
    }
  })

  y += GAP
  ctx.fillStyle = colours.muted
  ctx.font = font(11)
  ctx.fillText(
    'Per-core load: one line per core, 0–100 %, from the samples taken during each run. Corelane concurrency lab.',
    PAD,
    y + 6,
    inner,
  )
  return true
}
