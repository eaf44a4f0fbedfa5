// Issue #13 in real Chromium at 1280 × 800, where layout is real: the sidebar does not overflow
// sideways with the job form's Options open, the toolbar fits one row and pausing moves nothing
// in it (defect 7), the Workers CPU cell keeps its border (11), and a selected row scrolled out
// of view is counted and can be brought back (12).
// Also leaves screenshots of the views this round changed (job details, Workers, dark theme)
// in test-results/screenshots/ for a person to look at.
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCREENSHOT_DIR, poll, startWebApp, type WebApp } from './web-app.ts'

const VIEWPORT = { width: 1280, height: 800 }
const shot = (name: string) => join(SCREENSHOT_DIR, `layout-${name}.png`)

let app: WebApp
let context: BrowserContext
let page: Page

beforeAll(async () => {
  app = await startWebApp({ cpuSlots: 2 })
  context = await app.browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', reducedMotion: 'no-preference' })
  page = await context.newPage()
  await app.openUi(page)
})

afterAll(async () => {
  await context?.close()
  await app?.close()
})

/** Where each of the toolbar's own children is: left edge, top edge and width, in px. */
function toolbarBoxes(): Promise<{ name: string; x: number; y: number; w: number }[]> {
  return page.$$eval('header.toolbar > *', (children) =>
    children.map((c, i) => {
      const r = c.getBoundingClientRect()
      return {
        name: `${i}:${c.className.replace(/\bpaused\b/, '').trim()}`,
        x: Math.round(r.left),
        y: Math.round(r.top),
        w: Math.round(r.width),
      }
    }),
  )
}

describe('layout at 1280 px', () => {
  it('keeps the sidebar within its width with the Options open', async () => {
    await page.locator('.options summary').click()
    await page.getByTestId('job-lane').waitFor()
    const sizes = await page.$eval('.sidebar', (el) => ({ scroll: el.scrollWidth, client: el.clientWidth }))
    expect(sizes.scroll, JSON.stringify(sizes)).toBeLessThanOrEqual(sizes.client)
    await page.screenshot({ path: shot('options-open') })
  })

  it('fits the toolbar in one row, and pausing moves nothing in it', async () => {
    const before = await toolbarBoxes()
    // The Settings button is one of the toolbar's, not fixed over the page.
    expect(await page.locator('header.toolbar [data-testid="settings-open"]').count()).toBe(1)
    const tops = new Set(before.map((b) => b.y))
    // One row: every child starts within a few pixels of the same top.
    expect(Math.max(...tops) - Math.min(...tops), JSON.stringify(before)).toBeLessThan(12)
    const height = await page.$eval('header.toolbar', (el) => el.getBoundingClientRect().height)
    // Changing the view moves nothing in it either (an active tab as wide as an idle one).
    for (const view of ['lab-tab', 'history-tab', 'work-tab']) {
      await page.getByTestId(view).click()
      expect(JSON.stringify(await toolbarBoxes()), view).toBe(JSON.stringify(before))
    }

    await page.getByTestId('pause-button').click()
    try {
      await page.locator('[data-testid="pause-button"][aria-pressed="true"]').waitFor({ timeout: 5_000 })
      const paused = await toolbarBoxes()
      await page.screenshot({ path: shot('toolbar-paused') })
      expect(JSON.stringify(paused)).toBe(JSON.stringify(before))
      expect(await page.$eval('header.toolbar', (el) => el.getBoundingClientRect().height)).toBe(height)
    } finally {
      await page.getByTestId('pause-button').click()
      await page.locator('[data-testid="pause-button"][aria-pressed="false"]').waitFor({ timeout: 5_000 })
    }
  })

  it('shows a job’s details, the Workers table and the dark theme (screenshots)', async () => {
    await page.getByTestId('kind-select').selectOption('sleep')
    await page.getByTestId('param-ms').fill('30000')
    await page.getByTestId('job-count').fill('2')
    await page.getByTestId('job-lane').selectOption('cpu')
    await page.getByTestId('submit-job').click()
    await poll(
      'two running jobs',
      () => page.locator('[data-testid="job-row"][data-state="running"]').count(),
      (n) => n === 2,
      { timeoutMs: 20_000 },
    )
    await page.locator('[data-testid="job-row"][data-state="running"]').first().dblclick()
    await page.getByTestId('job-details').waitFor()
    expect(await page.locator('[data-testid="job-details"] [data-field="lane"]').textContent()).toBe('cpu')
    // Params come from the job database through the real host.
    await poll(
      'the params from the database',
      async () => (await page.locator('[data-testid="job-details"] [data-field="params"]').textContent())?.trim(),
      (text) => !!text && text !== 'loading…',
    )
    const params = await page.locator('[data-testid="job-details"] [data-field="params"]').textContent()
    expect(JSON.parse(params ?? 'null')).toEqual({ ms: 30000 })
    await page.screenshot({ path: shot('job-details') })
    await page.getByRole('button', { name: 'Close the job details' }).click()

    await page.getByTestId('tab-workers').click()
    await page.getByTestId('worker-row').first().waitFor()
    await page.screenshot({ path: shot('workers') })
    // The CPU cell is a table cell like its neighbours, so the row's border runs under it too.
    const cells = await page.$$eval('[data-testid="worker-row"]:first-child td', (tds) =>
      tds.map((td) => `${getComputedStyle(td).display} ${getComputedStyle(td).borderBottomWidth}`),
    )
    expect(new Set(cells).size, cells.join(' | ')).toBe(1)
    expect(cells[0]).toMatch(/^table-cell /)

    await page.getByTestId('theme-select').selectOption('dark')
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await page.screenshot({ path: shot('workers-dark') })
    // The choice outlives a reload: it is the host's saved setting, not only this browser's copy.
    // The Settings screen (which asks the host) agrees with the picker.
    await page.getByTestId('settings-open').click()
    expect(await page.getByTestId('settings-theme').inputValue()).toBe('dark')
    await page.getByTestId('settings-close').click()
    await page.evaluate(() => localStorage.clear())
    await page.reload()
    await page.getByTestId('theme-select').waitFor()
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    expect(await page.getByTestId('theme-select').inputValue()).toBe('dark')
    await page.getByTestId('theme-select').selectOption('system')
  })

  it('photographs every view in light and dark (for a person to look at)', async () => {
    const views: [string, () => Promise<unknown>][] = [
      [
        'work',
        () =>
          page
            .getByTestId('work-tab')
            .click()
            .then(() => page.getByTestId('tab-jobs').click()),
      ],
      [
        'processes',
        () =>
          page
            .getByTestId('tab-processes')
            .click()
            .then(() => page.getByTestId('process-row').first().waitFor()),
      ],
      [
        'hardware',
        () =>
          page
            .getByTestId('tab-hardware')
            .click()
            .then(() => page.getByTestId('hardware-panel').waitFor()),
      ],
      [
        'lab',
        () =>
          page
            .getByTestId('lab-tab')
            .click()
            .then(() => page.getByTestId('lab-run').waitFor()),
      ],
      [
        'history',
        () =>
          page
            .getByTestId('history-tab')
            .click()
            .then(() => page.getByTestId('history-view').waitFor()),
      ],
      [
        'settings',
        () =>
          page
            .getByTestId('settings-open')
            .click()
            .then(() => page.getByTestId('settings-theme').waitFor()),
      ],
    ]
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const [name, show] of views) {
        await show()
        await page.screenshot({ path: shot(`view-${name}-${scheme}`) })
        if (name === 'settings') await page.getByTestId('settings-close').click()
      }
    }
    await page.emulateMedia({ colorScheme: 'light' })
    await page.getByTestId('work-tab').click()
  })

  it('counts a selected row scrolled out of view, and scrolls back to it', async () => {
    await page.getByTestId('tab-jobs').click()
    await page.getByTestId('kind-select').selectOption('noop')
    await page.getByTestId('job-count').fill('300')
    await page.getByTestId('submit-job').click()
    await poll(
      '300 more rows',
      () => page.locator('[data-testid="job-row"][data-id="302"]').count(),
      (n) => n === 1,
    )
    await page.locator('[data-testid="job-row"][data-id="302"]').click()
    await expect(page.getByTestId('selection-count').textContent()).resolves.toContain('1 selected')
    expect(await page.getByTestId('selection-out-of-view').count()).toBe(0)
    await page.getByTestId('job-scroller').evaluate((el) => (el.scrollTop = el.scrollHeight))
    const link = page.getByTestId('selection-out-of-view')
    await link.waitFor({ timeout: 5_000 })
    expect(await link.textContent()).toContain('1 out of view')
    await link.click()
    await page.locator('[data-testid="job-row"][data-id="302"]').waitFor({ timeout: 5_000 })
    await link.waitFor({ state: 'detached', timeout: 5_000 })
  })
})
