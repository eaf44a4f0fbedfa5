// The lab's drawings (lib/lab-draw.ts, lib/lab-png.ts) on real captured results: the time
// they span, load samples as steps, and what the PNG picture writes. happy-dom has no 2D
// canvas, so a recording context stands in for it (TEST DOUBLE: it keeps the text drawn
// and the rectangles filled, and measures text at 7 px a character).
import { describe, expect, it } from 'vitest'
import { labColours } from '../../src/renderer/src/lib/lab-colours.ts'
import { drawTimeline, loadSteps, strategySpan } from '../../src/renderer/src/lib/lab-draw.ts'
import { paintLabPng, wrapText } from '../../src/renderer/src/lib/lab-png.ts'
import { gatherFetchResult, sleepPoolResult } from './lab-fixtures.ts'

interface Recorded {
  texts: string[]
  rects: { x: number; y: number; w: number; h: number; fill: string }[]
}

function recordingContext(): { ctx: CanvasRenderingContext2D; recorded: Recorded } {
  const recorded: Recorded = { texts: [], rects: [] }
  const state: Record<string, unknown> = { fillStyle: '#000' }
  const methods: Record<string, (...args: never[]) => unknown> = {
    fillText: (text: string) => void recorded.texts.push(text),
    fillRect: (x: number, y: number, w: number, h: number) =>
      void recorded.rects.push({ x, y, w, h, fill: String(state.fillStyle) }),
    measureText: (text: string) => ({ width: text.length * 7 }),
  }
  const ctx = new Proxy(
    {},
    {
      get: (_target, key: string) => methods[key] ?? (key in state ? state[key] : () => {}),
      set: (_target, key: string, value) => {
        state[key] = value
        return true
      },
    },
  )
  return { ctx: ctx as CanvasRenderingContext2D, recorded }
}

const colours = labColours((_name, fallback) => fallback, false)

describe('lab drawings', () => {
  it('span a strategy’s wall time, or longer when its jobs or samples ran past it', () => {
    const result = sleepPoolResult()
    const threads = result.strategies.find((s) => s.strategy === 'threads')!
    expect(strategySpan(threads)).toBe(threads.wallMs)
    // The Python script's own clock stops before the shell job ends.
    const python = result.strategies.find((s) => s.strategy === 'python-sequential')!
    expect(strategySpan(python)).toBe(2654)
    expect(strategySpan({ ...threads, wallMs: 0, timeline: [], coreSamples: [] })).toBe(1)
  })

  it('turn load samples into steps, each covering the time since the previous sample', () => {
    expect(
      loadSteps([
        [300, 10, 20],
        [550, 30, 40],
        [800, 50, 60],
      ]),
    ).toEqual([
      { from: 50, to: 300, loads: [10, 20] },
      { from: 300, to: 550, loads: [30, 40] },
      { from: 550, to: 800, loads: [50, 60] },
    ])
    expect(loadSteps([[109, 100, 47.8]])).toEqual([{ from: 0, to: 109, loads: [100, 47.8] }])
    expect(loadSteps([])).toEqual([])
  })

  it('draw one bar per job on its worker’s row', () => {
    const threads = sleepPoolResult().strategies.find((s) => s.strategy === 'threads')!
    const { ctx, recorded } = recordingContext()
    drawTimeline(ctx, { x: 0, y: 0, w: 758, h: 40 }, threads, colours)
    const bars = recorded.rects.filter((r) => r.fill === colours.accent)
    expect(bars).toHaveLength(8)
    expect(new Set(bars.map((b) => b.y))).toEqual(new Set([0, 10, 20, 30].map((y) => y + 1)))
  })

  it('wrap text at a width', () => {
    const { ctx } = recordingContext()
    expect(wrapText(ctx, 'one two three four', 70)).toEqual(['one two', 'three four'])
    expect(wrapText(ctx, '', 70)).toEqual([])
  })

  it('paint the PNG: title, explanation, every strategy, the checks met and MISSED, the Python note', () => {
    const result = gatherFetchResult()
    const { ctx, recorded } = recordingContext()
    const canvas = { width: 0, height: 0, getContext: () => ctx } as unknown as HTMLCanvasElement
    expect(paintLabPng(canvas, result, colours, 2)).toBe(true)
    expect(canvas.width).toBe(2400)
    expect(canvas.height).toBeGreaterThan(600)
    const text = recorded.texts.join('\n')
    expect(text).toContain('Corelane lab: 4 fetches gathered')
    expect(text.replace(/\n/g, ' ')).toContain(result.explanation)
    for (const s of result.strategies) expect(text).toContain(s.label)
    expect(text).toContain('skipped: python3 was not found')
    expect(text).toContain('Python: python3 was not found')
    expect(recorded.texts.filter((t) => t === 'met')).toHaveLength(1)
    expect(recorded.texts.filter((t) => t === 'MISSED')).toHaveLength(1)
    expect(text).toContain('expected 1.00 s ±30%, measured 1.34 s')
  })

  it('paint nothing without a 2D context', () => {
    const canvas = { getContext: () => null } as unknown as HTMLCanvasElement
    expect(paintLabPng(canvas, sleepPoolResult(), colours)).toBe(false)
  })
})
