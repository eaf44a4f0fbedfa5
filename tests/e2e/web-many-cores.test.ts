// Web mode with many cores, in real Chromium: the real monitor replays a 128-core server (a
// dual EPYC 7601) and a 16-core laptop, recordings built from published captures of real
// machines (tests/engine/monitor/recorded/README.md says which fields were captured where
// and which filled in), through the real sampler thread, API host and web server. The per-core view is a heatmap with SMT siblings
// side by side, the chart shows the busiest cores, and the idle page's CPU is printed as a
// `PERF` line (generous bound). Leaves screenshots in test-results/screenshots.
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCREENSHOT_DIR, perf, rendererCpuSeconds, startWebApp, type WebApp } from './web-app.ts'

const RECORDED = resolve(import.meta.dirname, '../engine/monitor/recorded')
const IDLE_MS = 6_000
describe('web mode with many cores (a replayed 128-core server recording)', () => {
  let server: WebApp

  beforeAll(async () => {
    server = await startWebApp({ cpuSlots: 2, monitorRecording: `${RECORDED}/server-128-cores.json` })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('draws 128 cores as a heatmap and the busiest in the chart, and stays cheap while idle', async () => {
    const { context, page } = await server.newPage()
    try {
      await page.goto(server.url)
      const cells = page.getByTestId('core-cell')
      await cells.first().waitFor({ timeout: 20_000 })
      expect(await cells.count()).toBe(128)
      await page.getByText('128 logical cores on 64 physical (SMT 2)').waitFor()
      await page.getByTestId('core-history-legend').getByText('the 8 busiest of 128 cores').waitFor()
      // SMT siblings side by side: cpu0 with cpu64.
      const first = await cells.evaluateAll((els) => els.slice(0, 2).map((e) => (e as HTMLElement).dataset.core))
      expect(first).toEqual(['0', '64'])
      await page.waitForTimeout(1_500)
      const cpu0 = await rendererCpuSeconds(server.browser)
      const t0 = performance.now()
      await page.waitForTimeout(IDLE_MS)
      const percent = (((await rendererCpuSeconds(server.browser)) - cpu0) / ((performance.now() - t0) / 1000)) * 100
      perf({
        metric: 'idle-page-cpu',
        cores: 128,
        'work-percent-of-core': Number(percent.toFixed(1)),
        'over-ms': IDLE_MS,
        target: 'reported',
        note: 'recorded-128-core-server-heatmap',
      })
      await page.screenshot({ path: `${SCREENSHOT_DIR}/web-128-cores.png` })
      await page.getByTestId('tab-hardware').click()
      await page.getByTestId('hw-frequency').getByText('GHz').first().waitFor()
      await page.screenshot({ path: `${SCREENSHOT_DIR}/web-128-cores-hardware.png` })
      // 128 cells redrawn 4 times a second: still a small share of a core (generous bound).
      expect(percent).toBeLessThan(30)
    } finally {
      await context.close()
    }
  })
})

describe('web mode on a replayed 16-core laptop recording with sensors and a GPU', () => {
  let laptop: WebApp

  beforeAll(async () => {
    laptop = await startWebApp({ cpuSlots: 2, monitorRecording: `${RECORDED}/laptop-16-cores-sensors-gpu.json` })
  })
  afterAll(async () => {
    await laptop?.close()
  })

  it('shows 16 bars and the readings the laptop reports, and what its GPU does not', async () => {
    const { context, page } = await laptop.newPage({ colorScheme: 'dark' })
    try {
      await page.goto(laptop.url)
      await page.getByTestId('core-meter').first().waitFor({ timeout: 20_000 })
      expect(await page.getByTestId('core-meter').count()).toBe(16)
      // One kind of core (i7-11800H): no P/E marks.
      expect(await page.locator('[data-testid="core-meter"] .type').count()).toBe(0)
      await page.getByTestId('tab-hardware').click()
      await page.getByTestId('hw-gpu-row').getByText('NVIDIA GeForce GTX 1650').waitFor()
      await page.getByTestId('hw-temperature').getByText('46 °C').waitFor()
      expect(await page.getByTestId('hw-gpu-row').textContent()).toContain('not available here')
      expect(await page.getByTestId('hw-na').count()).toBe(0)
      await page.screenshot({ path: `${SCREENSHOT_DIR}/web-16-core-laptop-hardware.png` })
    } finally {
      await context.close()
    }
  })
})
