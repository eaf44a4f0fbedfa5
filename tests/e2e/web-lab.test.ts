// The concurrency lab end to end in web mode: real Chromium, the real engine and lab runner
// (see web-app.ts). A quick sleep-pool run from the Lab view (with the Python originals where
// python3 exists, skipped with the reason where it doesn't): Run is disabled while it runs and
// the host's progress notes show; the core meters stay on screen; then the strategies side by
// side, the checks (met or MISSED, never an absolute time asserted) and the explanation. The
// JSON, CSV and PNG exports are saved and checked. When everything passed, and `npm run
// screenshots` asked for it, the screenshot of the results becomes docs/screenshots/corelane-lab.png.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext, Download, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabResult } from '../../src/shared/lab.ts'
import { labToCsv } from '../../src/shared/lab-export.ts'
import { DOCS_SCREENSHOT_DIR, UPDATE_DOCS_SCREENSHOTS, SCREENSHOT_DIR, poll, startWebApp, type WebApp } from './web-app.ts'

const SHOT = join(SCREENSHOT_DIR, 'web-lab.png')
const NODE_STRATEGIES = ['sequential', 'threads', 'processes', 'async']
const PYTHON_STRATEGIES = ['python-sequential', 'python-threads', 'python-processes', 'python-asyncio']

let app: WebApp
let context: BrowserContext
let page: Page
const pageErrors: string[] = []
const passed = new Set<string>()
let result: LabResult | null = null

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch {
    return false
  }
}

async function saved(download: Download): Promise<Buffer> {
  const path = await download.path()
  return readFileSync(path)
}

beforeAll(async () => {
  app = await startWebApp({ cpuSlots: 2 })
  ;({ context, page } = await app.newPage())
  page.on('pageerror', (error) => pageErrors.push(String(error)))
})

afterAll(async () => {
  await context?.close()
  await app?.close()
})

describe('Lab view (web mode)', () => {
  it('runs a quick experiment live: Run disabled, progress notes, the cores still on screen', async () => {
    await app.openUi(page)
    const cores = await page.getByTestId('core-meter').count()
    await page.keyboard.press('l')
    await page.getByTestId('lab-controls').waitFor()
    expect(await page.getByTestId('lab-tab').getAttribute('aria-current')).toBe('page')

    // The experiments come from the host, with their question and the classic expectation.
    const options = await page
      .locator('[data-testid="lab-experiment"] option')
      .evaluateAll((els) => els.map((e) => e.getAttribute('value')))
    expect(options).toContain('sleep-pool')
    expect(options).toContain('gather-fetch')
    await page.getByTestId('lab-experiment').selectOption('sleep-pool')
    expect(await page.getByTestId('lab-question').innerText()).toContain('about 2 s, not 8')
    expect(await page.getByTestId('lab-pool').inputValue()).toBe('4')
    await page.getByTestId('lab-scale').selectOption('quick')
    await page.getByTestId('lab-python').check()

    await page.getByTestId('lab-run').click()
    await page.getByTestId('lab-progress').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('lab-run').isDisabled()).toBe(true)
    // A note from the host's `lab` event: the strategy running now.
    const note = await poll(
      'a progress note from the host',
      () =>
        page
          .getByTestId('lab-progress')
          .innerText()
          .catch(() => ''),
      (text) => /one worker|worker threads|worker processes|async I\/O lane/.test(text),
      { timeoutMs: 20_000 },
    )
    expect(note).not.toContain('Starting')
    // The core meters are still there, next to the form.
    expect(await page.getByTestId('core-meter').count()).toBe(cores)

    await page.getByTestId('lab-result').waitFor({ timeout: 110_000 })
    expect(await page.getByTestId('lab-run').isEnabled()).toBe(true)
    expect(await page.getByTestId('lab-progress').count()).toBe(0)
    passed.add('run')
  })

  it('shows every strategy side by side, the checks met or MISSED, and the explanation', async () => {
    const view = page.getByTestId('lab-result')
    expect(await view.getAttribute('data-experiment')).toBe('sleep-pool')
    const strategies = await view
      .getByTestId('lab-strategy')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-strategy')))
    const python = hasPython()
    expect(strategies).toEqual([...NODE_STRATEGIES, ...PYTHON_STRATEGIES])
    for (const id of NODE_STRATEGIES) {
      const card = view.locator(`[data-testid="lab-strategy"][data-strategy="${id}"]`)
      expect(await card.getByTestId('lab-wall').innerText()).toMatch(/^\d[\d.]* (ms|s)$/)
      expect(await card.getByTestId('lab-core-chart').count()).toBe(1)
      expect(await card.getByTestId('lab-timeline').count()).toBe(1)
    }
    if (python) {
      expect(await view.getByTestId('lab-skipped').count()).toBe(0)
      expect(await view.getByTestId('lab-python-note').count()).toBe(0)
    } else {
      expect(await view.getByTestId('lab-skipped').count()).toBe(4)
      expect(await view.getByTestId('lab-python-note').innerText()).toContain('python3 was not found')
    }

    const checks = view.getByTestId('lab-check')
    expect(await checks.count()).toBeGreaterThanOrEqual(4)
    for (const check of await checks.all()) {
      const met = await check.getAttribute('data-met')
      expect(['true', 'false']).toContain(met)
      const text = await check.innerText()
      expect(text.startsWith(met === 'true' ? 'met' : 'MISSED')).toBe(true)
      expect(text).toMatch(/expected .+ ±25%, measured /)
    }

    const explanation = await view.getByTestId('lab-explanation').innerText()
    expect(explanation).toContain('pool of 4')
    expect(explanation).toContain('8 waits of 250 ms')

    // Let the canvases settle, then the picture for the README.
    await page.waitForTimeout(500)
    await page.screenshot({ path: SHOT })
    passed.add('result')
  })

  it('exports the result as JSON, CSV (labToCsv of that JSON) and PNG', async () => {
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lab-export-json').click()])
    expect(json.suggestedFilename()).toMatch(/^corelane-lab-sleep-pool-quick-.+\.json$/)
    result = JSON.parse((await saved(json)).toString('utf8')) as LabResult
    expect(result.experiment).toBe('sleep-pool')
    expect(result.explanation).toBe(await page.getByTestId('lab-explanation').innerText())

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lab-export-csv').click()])
    expect(csv.suggestedFilename()).toMatch(/\.csv$/)
    expect((await saved(csv)).toString('utf8')).toBe(labToCsv(result))

    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lab-export-png').click()])
    expect(png.suggestedFilename()).toMatch(/\.png$/)
    const bytes = await saved(png)
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    // IHDR: 1200 CSS px wide at 2 device px each.
    expect(bytes.readUInt32BE(16)).toBe(2400)
    expect(bytes.readUInt32BE(20)).toBeGreaterThan(1000)
    expect(pageErrors).toEqual([])
    passed.add('export')

    if (UPDATE_DOCS_SCREENSHOTS && ['run', 'result', 'export'].every((name) => passed.has(name))) {
      mkdirSync(DOCS_SCREENSHOT_DIR, { recursive: true })
      copyFileSync(SHOT, join(DOCS_SCREENSHOT_DIR, 'corelane-lab.png'))
    }
  })
})
