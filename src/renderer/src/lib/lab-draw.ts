// Canvas drawings of a lab result, shared by the Lab view's charts and the PNG export: the
// wall-time bars of every strategy (with the expected band), one strategy's per-core load
// over its run, and its job timeline (one row per worker). Pure functions of the data, a 2D
// context, a box in CSS pixels and the theme's colours.
import { checkBand, type LabResult, type StrategyResult } from '../../../shared/lab.ts'
import { formatDuration, formatSpeedup } from './format.ts'

export interface Box {
  x: number
  y: number
  w: number
  h: number
}

export interface LabColours {
  text: string
  muted: string
  grid: string
  panel: string
  accent: string
  ok: string
  danger: string
  warn: string
  /** One colour per core, stable across charts. */
  core: (index: number) => string
}

type Ctx = CanvasRenderingContext2D

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif'

export function font(px: number, weight = 400): string {
  return `${weight} ${px}px ${FONT}`
}

/** How long the strategy's pictures span: its wall time, or longer when jobs or samples ran past it. */
export function strategySpan(s: StrategyResult): number {
  let span = s.wallMs
  for (const bar of s.timeline) span = Math.max(span, bar.endMs)
  for (const sample of s.coreSamples) span = Math.max(span, sample[0] ?? 0)
  return Math.max(1, span)
}

export interface LoadStep {
  from: number
  to: number
  loads: number[]
}

/**
 * Core samples as steps: each sample is the load since the previous one, so it covers
 * (previous t, t]. The first covers as long as the gap to the second (or back to the start).
 */
export function loadSteps(samples: readonly number[][]): LoadStep[] {
  const steps: LoadStep[] = []
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as number[]
    const to = sample[0] ?? 0
    const prev = samples[i - 1]
    const next = samples[i + 1]
    const from = prev ? (prev[0] ?? 0) : Math.max(0, next ? to - ((next[0] ?? to) - to) : 0)
    steps.push({ from, to, loads: sample.slice(1) })
  }
  return steps
}

function clear(ctx: Ctx, box: Box, colours: LabColours): void {
  ctx.fillStyle = colours.panel
  ctx.fillRect(box.x, box.y, box.w, box.h)
}

function centredText(ctx: Ctx, box: Box, text: string, colours: LabColours): void {
  ctx.fillStyle = colours.muted
  ctx.font = font(11)
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  ctx.fillText(text, box.x + box.w / 2, box.y + box.h / 2, box.w - 8)
  ctx.textAlign = 'left'
  ctx.textBaseline = 'alphabetic'
}

/** Per-core load over the run: one stepped line per core, 0–100 %, with 50 % and 100 % grid lines. */
export function drawCoreLoad(ctx: Ctx, box: Box, s: StrategyResult, cores: number, colours: LabColours): void {
  clear(ctx, box, colours)
  const span = strategySpan(s)
  const x = (ms: number) => box.x + (Math.min(span, Math.max(0, ms)) / span) * box.w
  const y = (load: number) => box.y + box.h - (Math.min(100, Math.max(0, load)) / 100) * (box.h - 2) - 1
  ctx.strokeStyle = colours.grid
  ctx.lineWidth = 1
  for (const level of [50, 100]) {
    ctx.beginPath()
    ctx.moveTo(box.x, Math.round(y(level)) + 0.5)
    ctx.lineTo(box.x + box.w, Math.round(y(level)) + 0.5)
    ctx.stroke()
  }
  const steps = loadSteps(s.coreSamples)
  if (!steps.length) {
    centredText(ctx, box, 'no load sample: the run was shorter than the sampling interval', colours)
    return
  }
  ctx.lineWidth = 1.5
  for (let core = 0; core < cores; core++) {
    ctx.strokeStyle = colours.core(core)
    ctx.beginPath()
    steps.forEach((step, i) => {
      const load = step.loads[core] ?? 0
      if (i === 0) ctx.moveTo(x(step.from), y(load))
      else ctx.lineTo(x(step.from), y(load))
      ctx.lineTo(x(step.to), y(load))
    })
    ctx.stroke()
  }
}

/** Jobs as bars on rows (one per worker, folded when there are more workers than fit). */
export function drawTimeline(ctx: Ctx, box: Box, s: StrategyResult, colours: LabColours): void {
  clear(ctx, box, colours)
  if (!s.timeline.length) {
    centredText(ctx, box, 'no jobs ran', colours)
    return
  }
  const span = strategySpan(s)
  const workers = s.timeline.reduce((max, bar) => Math.max(max, bar.worker), 0) + 1
  const rows = Math.max(1, Math.min(workers, Math.floor(box.h / 3)))
  const rowH = box.h / rows
  const gap = rowH >= 6 ? 1 : 0
  ctx.fillStyle = colours.accent
  // Many bars on one row (folded rows): draw them translucent, so the overlap reads as density.
  ctx.globalAlpha = workers > rows ? Math.max(0.08, rows / workers) : 0.85
  for (const bar of s.timeline) {
    const row = workers > rows ? Math.floor((bar.worker * rows) / workers) : bar.worker
    const x0 = box.x + (Math.max(0, bar.startMs) / span) * box.w
    const x1 = box.x + (Math.max(bar.startMs, bar.endMs) / span) * box.w
    ctx.fillRect(x0, box.y + row * rowH + gap, Math.max(1, x1 - x0 - (gap && x1 - x0 > 3 ? 1 : 0)), Math.max(1, rowH - 2 * gap))
  }
  ctx.globalAlpha = 1
}

export interface WallBarsOptions {
  /** Width of the label column on the left. */
  labelWidth: number
  rowHeight: number
  fontPx: number
}

/** Height the wall-time bars need for `result` with these options. */
export function wallBarsHeight(result: LabResult, options: WallBarsOptions): number {
  return result.strategies.length * options.rowHeight + 4
}

/**
 * One bar per strategy, to a shared scale: its wall time with the speed-up after it. Where a
 * check names the strategy, its expected time is drawn as a tick inside a band of ± the
 * tolerance. Skipped strategies say why instead.
 */
export function drawWallBars(ctx: Ctx, box: Box, result: LabResult, colours: LabColours, options: WallBarsOptions): void {
  clear(ctx, box, colours)
  const { labelWidth, rowHeight, fontPx } = options
  const valueWidth = Math.min(150, Math.max(90, box.w * 0.18))
  const barX = box.x + labelWidth
  const barW = Math.max(10, box.w - labelWidth - valueWidth)
  let max = 1
  for (const s of result.strategies) if (!s.skipped) max = Math.max(max, s.wallMs)
  for (const c of result.checks) max = Math.max(max, c.expectedMs * (1 + checkBand(c).above))
  const scale = (ms: number) => (Math.max(0, ms) / max) * barW

  result.strategies.forEach((s, i) => {
    const top = box.y + i * rowHeight
    const mid = top + rowHeight / 2
    ctx.textBaseline = 'middle'
    ctx.font = font(fontPx)
    ctx.fillStyle = colours.text
    ctx.fillText(s.label, box.x, mid, labelWidth - 8)
    if (s.skipped) {
      ctx.fillStyle = colours.muted
      ctx.fillText(`skipped: ${s.skipped}`, barX, mid, barW + valueWidth)
      return
    }
    const barH = Math.max(4, rowHeight * 0.55)
    const checks = result.checks.filter((c) => c.strategy === s.strategy)
    for (const check of checks) {
      const band = checkBand(check)
      const lo = scale(check.expectedMs * (1 - band.below))
      const hi = scale(check.expectedMs * (1 + band.above))
      ctx.fillStyle = check.met ? colours.ok : colours.danger
      ctx.globalAlpha = 0.2
      ctx.fillRect(barX + lo, top + 2, Math.max(2, hi - lo), rowHeight - 4)
      ctx.globalAlpha = 1
    }
    ctx.fillStyle = s.strategy.startsWith('python') ? colours.warn : colours.accent
    ctx.fillRect(barX, mid - barH / 2, Math.max(1, scale(s.wallMs)), barH)
    for (const check of checks) {
      ctx.fillStyle = check.met ? colours.ok : colours.danger
      ctx.fillRect(barX + scale(check.expectedMs) - 1, top + 2, 2, rowHeight - 4)
    }
    ctx.fillStyle = colours.text
    ctx.font = font(fontPx, 600)
    const value = `${formatDuration(s.wallMs)}  ${formatSpeedup(s.speedup)}`
    ctx.fillText(value, barX + scale(s.wallMs) + 6, mid, box.x + box.w - (barX + scale(s.wallMs) + 6))
  })
  ctx.textBaseline = 'alphabetic'
}
