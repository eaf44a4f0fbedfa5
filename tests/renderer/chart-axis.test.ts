// The CPU chart's value axis is as wide as its widest label needs (issue #13 item 11: "100%"
// was cut at the fixed 44 px). uPlot draws a left axis's labels right-aligned at
// (width − tick − gap): the room left of the widest label must not be negative. The drawn
// label is measured in Chromium by tests/e2e/web-window-controls.test.ts.
import { describe, expect, it } from 'vitest'
import { LABEL_GAP, LABEL_MARGIN, TICK_SIZE, valueAxisSize } from '../../src/renderer/src/lib/chart-axis.ts'

/** Room left of a right-aligned label of `width` in an axis of `size`. */
const roomLeft = (size: number, width: number) => size - TICK_SIZE - LABEL_GAP - width

describe('the value axis width', () => {
  it('leaves room for the widest label, measured, with a margin', () => {
    // Chromium's system-ui at 11 px drew "100%" 30.45 px wide: 44 px left it −1.45 px.
    const widths: Record<string, number> = { '0%': 14.2, '50%': 21.3, '100%': 30.45 }
    const measure = (text: string) => widths[text] ?? 0
    expect(roomLeft(44, widths['100%']!)).toBeLessThan(0)
    const size = valueAxisSize(['0%', '50%', '100%'], measure)
    expect(roomLeft(size, widths['100%']!)).toBeGreaterThanOrEqual(LABEL_MARGIN)
    expect(roomLeft(size, widths['100%']!)).toBeLessThan(LABEL_MARGIN + 1)
  })

  it('grows with a wider font, so no font cuts it', () => {
    const wide = valueAxisSize(['100%'], (text) => text.length * 12)
    expect(roomLeft(wide, 48)).toBeGreaterThanOrEqual(LABEL_MARGIN)
  })
})
