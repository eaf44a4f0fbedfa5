// Web mode in Chromium against the real engine (web-app.ts), for three pieces of the window:
// - the job details log tells stdout from stderr (issue #13): stderr lines carry an "err" label
//   and the error colour, the filter shows one stream, and follow-the-end still follows;
// - the CPU chart's "100%" axis label is drawn whole (issue #13 item 11): every fillText of it
//   is measured (measureText's actual bounding box, through the canvas transform) against the
//   canvas, and the canvas against its panel, at two window sizes;
// - the job form's Batch controls offer Dry run and a results folder (issue #12): a dry run lists
//   the expanded jobs (a shell job's command line) and queues nothing, a results folder gets
//   each job's stdout and stderr, a relative folder is refused under its field.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { poll, startWebApp, type WebApp } from './web-app.ts'

let app: WebApp
let context: BrowserContext
let page: Page
let outDir: string
const pageErrors: string[] = []

/** Every "100%" the page draws on a canvas: its inked box in canvas pixels, and the canvas's size. */
function recordAxisLabels(): void {
  const labels: unknown[] = []
  ;(window as unknown as { axisLabels: unknown[] }).axisLabels = labels
  const fillText = CanvasRenderingContext2D.prototype.fillText
  CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
    if (String(text) === '100%' && this.canvas.closest('.core-history')) {
      const m = this.measureText(String(text))
      const t = this.getTransform()
      const corners = [
        [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent],
        [x + m.actualBoundingBoxRight, y - m.actualBoundingBoxAscent],
        [x - m.actualBoundingBoxLeft, y + m.actualBoundingBoxDescent],
        [x + m.actualBoundingBoxRight, y + m.actualBoundingBoxDescent],
      ].map(([px, py]) => [t.a * px! + t.c * py! + t.e, t.b * px! + t.d * py! + t.f])
      const xs = corners.map((c) => c[0]!)
      const ys = corners.map((c) => c[1]!)
      labels.push({
        left: Math.min(...xs),
        right: Math.max(...xs),
        top: Math.min(...ys),
        bottom: Math.max(...ys),
        width: this.canvas.width,
        height: this.canvas.height,
      })
    }
    return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth)
  }
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'corelane-e2e-results-'))
  app = await startWebApp({ cpuSlots: 2 })
  ;({ context, page } = await app.newPage())
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  await page.addInitScript(recordAxisLabels)
  await app.openUi(page)
})

afterAll(async () => {
  await context?.close()
  await app?.close()
  rmSync(outDir, { recursive: true, force: true })
})

/** Queues one `shell: true` job through the API host (as the window's submit does) and returns its id. */
async function submitShell(script: string): Promise<number> {
  const response = await app.api.handle('submit', { jobs: [{ kind: 'shell', params: { argv: [script], shell: true } }] })
  if (!response.ok) throw new Error(response.error.message)
  return (response.value as { jobIds: number[] }).jobIds[0]!
}

async function openDetails(jobId: number): Promise<void> {
  const row = page.locator(`[data-testid="job-row"][data-id="${jobId}"]`)
  await row.waitFor({ timeout: 10_000 })
  await row.locator('.name').click()
  await page.getByTestId('view-log').click()
  await page.getByTestId('log-panel').waitFor({ timeout: 5_000 })
}

const linesOf = (stream: 'stdout' | 'stderr') =>
  page.$$eval(`[data-testid="log-text"] .line[data-stream="${stream}"]`, (lines) =>
    lines.map((l) =>
      [...l.childNodes]
        .filter((n) => !(n as Element).classList?.contains('visually-hidden'))
        .map((n) => n.textContent)
        .join('')
        .trim(),
    ),
  )

describe('the window in Chromium', () => {
  it('shows a job’s stderr lines apart from its stdout: a label, the error colour, a filter', async () => {
    const script = 'echo "compiling"; echo "warning: unused x" >&2; echo "done"; echo "error: late" >&2'
    const jobId = await submitShell(script)
    await app.engine.whenSettled([jobId])
    await openDetails(jobId)
    await poll(
      'the stderr lines',
      () => linesOf('stderr'),
      (lines) => lines.length === 2,
    )
    expect((await linesOf('stderr')).sort()).toEqual(['errerror: late', 'errwarning: unused x'])
    expect((await linesOf('stdout')).sort()).toEqual(['compiling', 'done'])
    // The label is there in words, and stderr text is in another colour than stdout's.
    const colours = await page.$$eval('[data-testid="log-text"] .line', (lines) =>
      lines.map((l) => {
        const text = l.querySelector('.err') ?? l.querySelector('.tag + span, .tag ~ span:not(.visually-hidden)')
        return [(l as HTMLElement).dataset.stream, getComputedStyle(text ?? l).color]
      }),
    )
    const stderrColours = new Set(colours.filter(([s]) => s === 'stderr').map(([, c]) => c))
    const stdoutColours = new Set(colours.filter(([s]) => s === 'stdout').map(([, c]) => c))
    expect(stderrColours.size).toBe(1)
    expect([...stderrColours].some((c) => stdoutColours.has(c))).toBe(false)

    await page.getByTestId('log-filter-stderr').check()
    expect(await linesOf('stdout')).toEqual([])
    expect(await linesOf('stderr')).toHaveLength(2)
    await page.getByTestId('log-filter-stdout').check()
    expect((await linesOf('stdout')).sort()).toEqual(['compiling', 'done'])
    expect(await linesOf('stderr')).toEqual([])
    await page.getByTestId('log-filter-all').check()
    expect(await page.getByTestId('log-download').isEnabled()).toBe(true)
    await page.keyboard.press('Escape')
    await page.getByTestId('log-panel').waitFor({ state: 'hidden', timeout: 5_000 })
  })

  it('follows the end of a running job’s log while stdout and stderr lines arrive', async () => {
    const script = 'for i in $(seq 1 400); do echo "out $i"; echo "err $i" >&2; sleep 0.01; done; sleep 30'
    const jobId = await submitShell(script)
    await openDetails(jobId)
    // Enough lines to scroll, still coming in: the view stays at the end.
    await poll(
      'a scrolling log',
      () => linesOf('stderr'),
      (lines) => lines.length > 150,
      { timeoutMs: 30_000, intervalMs: 250 },
    )
    await poll(
      'the view at the end of a longer log',
      () =>
        page.getByTestId('log-text').evaluate((el) => ({
          fromEnd: el.scrollHeight - el.scrollTop - el.clientHeight,
          scrolls: el.scrollHeight > el.clientHeight * 2,
          lines: el.querySelectorAll('.line').length,
        })),
      (view) => view.scrolls && view.fromEnd < 8 && view.lines >= 700,
      { timeoutMs: 30_000, intervalMs: 250 },
    )
    expect(await page.getByTestId('log-follow').isChecked()).toBe(true)
    app.engine.cancel([jobId])
    await page.keyboard.press('Escape')
  })

  it('draws the CPU chart’s "100%" label whole, inside its canvas, at two window sizes', async () => {
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 1024, height: 640 },
    ]) {
      await page.setViewportSize(viewport)
      await page.evaluate(() => ((window as unknown as { axisLabels: unknown[] }).axisLabels.length = 0))
      type Label = { left: number; right: number; top: number; bottom: number; width: number; height: number }
      const labels = await poll(
        'the chart to draw its axis',
        () => page.evaluate(() => (window as unknown as { axisLabels: Label[] }).axisLabels.slice(-1)),
        (drawn) => drawn.length > 0,
        { timeoutMs: 10_000 },
      )
      for (const label of labels) {
        expect(label.left, `left edge at ${JSON.stringify(viewport)}`).toBeGreaterThanOrEqual(0)
        expect(label.top, `top edge at ${JSON.stringify(viewport)}`).toBeGreaterThanOrEqual(0)
        expect(label.right).toBeLessThanOrEqual(label.width)
        expect(label.bottom).toBeLessThanOrEqual(label.height)
      }
      // And the canvas itself is not cut by its panel.
      const boxes = await page.locator('.core-history').evaluate((panel) => {
        const canvas = panel.querySelector('canvas')!.getBoundingClientRect()
        const box = panel.getBoundingClientRect()
        return {
          canvas: [canvas.left, canvas.top, canvas.right, canvas.bottom],
          panel: [box.left, box.top, box.right, box.bottom],
        }
      })
      expect(boxes.canvas[0]).toBeGreaterThanOrEqual(boxes.panel[0]!)
      expect(boxes.canvas[1]).toBeGreaterThanOrEqual(boxes.panel[1]!)
      expect(boxes.canvas[2]).toBeLessThanOrEqual(boxes.panel[2]!)
      expect(boxes.canvas[3]).toBeLessThanOrEqual(boxes.panel[3]!)
    }
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('offers Dry run and a results folder in Batch controls: the dry run lists the jobs and runs nothing', async () => {
    const before = Object.values(app.engine.stats().counts).reduce((a, b) => a + b, 0)
    await page.getByTestId('kind-select').selectOption('shell')
    await page.getByTestId('param-argv').fill('sh -c "echo out {}; echo err {} >&2"')
    await page.getByTestId('mode-inputs').check()
    await page.getByTestId('job-inputs').fill('a\nb c')
    await page.locator('[data-testid="job-form"] details.options > summary').click()
    expect(await page.getByTestId('batch-results-hint').textContent()).toContain('on the server')
    await page.getByTestId('batch-dry-run').check()
    await page.getByTestId('submit-job').click()
    const list = page.getByTestId('dry-run-list')
    await list.waitFor({ timeout: 10_000 })
    expect(await list.locator('h3').textContent()).toContain('2 jobs, nothing was run')
    expect(await page.getByTestId('dry-run-job').locator('code').allTextContents()).toEqual([
      `sh -c 'echo out a; echo err a >&2'`,
      `sh -c 'echo out b c; echo err b c >&2'`,
    ])
    expect(Object.values(app.engine.stats().counts).reduce((a, b) => a + b, 0)).toBe(before)

    // A relative folder is refused under its field; an absolute one gets each job's files.
    await page.getByTestId('batch-dry-run').uncheck()
    await page.getByTestId('batch-results').fill('out')
    await page.getByTestId('submit-job').click()
    await page.locator('[data-testid="form-error"][data-field="results"]').waitFor({ timeout: 5_000 })
    await page.getByTestId('batch-results').fill(outDir)
    await page.getByTestId('submit-job').click()
    for (const input of ['a', 'b c']) {
      await poll('the results files', () => existsSync(join(outDir, '1', input, 'result.json')), Boolean, { timeoutMs: 30_000 })
      expect(readFileSync(join(outDir, '1', input, 'stdout'), 'utf8')).toBe(`out ${input}\n`)
      expect(readFileSync(join(outDir, '1', input, 'stderr'), 'utf8')).toBe(`err ${input}\n`)
    }
    expect(pageErrors).toEqual([])
  })
})
