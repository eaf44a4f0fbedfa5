// How wide the CPU chart's value axis must be for its labels to be drawn whole. uPlot draws a
// left axis's labels right-aligned at (axis width − tick length − gap), so a fixed width cuts
// the left of a label wider than what is left (it did: "100%" lost a pixel and a half in
// Chromium's system-ui at 11 px). The width is computed from the labels as measured in the
// axis's font instead.

/** The axis's tick length and the gap between ticks and labels (CSS px), set on the axis too. */
export const TICK_SIZE = 10
export const LABEL_GAP = 5
/** Room beyond the widest label's ink: antialiasing, and fonts whose glyphs overhang their advance. */
export const LABEL_MARGIN = 3

/** The axis width (CSS px) that holds every label; `measure` gives a label's inked width in CSS px. */
export function valueAxisSize(labels: readonly string[], measure: (text: string) => number): number {
  const widest = labels.reduce((most, text) => Math.max(most, measure(text)), 0)
  return Math.ceil(widest + TICK_SIZE + LABEL_GAP + LABEL_MARGIN)
}

/** A measure for `valueAxisSize` from a 2D context in the axis's font (the larger of advance and ink). */
export function canvasMeasure(ctx: CanvasRenderingContext2D, font: string): (text: string) => number {
  return (text) => {
    ctx.font = font
    const m = ctx.measureText(text)
    return Math.max(m.width, m.actualBoundingBoxLeft + m.actualBoundingBoxRight)
  }
}
