// Web mode end to end, in real Chromium against the real engine (see web-app.ts): a page
// without the token is refused; bad form input is refused naming the field; long CPU jobs
// queued from the form run on two workers on two different cores while the core meters follow
// the monitor; a queued job (Delete key), a running one (Cancel button) and then the rest are
// cancelled; a short batch from the form and a batch file both finish, and a job's log opens.
// The jobs are sized so that no step races them: the long ones cannot finish during the test
// (whatever else the machine is doing), the short ones are waited for. Screenshots of the main
// views (light and dark) go to test-results/screenshots/, and, when everything passed, the
// light jobs view with both cores busy becomes docs/screenshots/corelane-web.png (README) when
// asked for with `npm run screenshots`.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOCS_SCREENSHOT_DIR, UPDATE_DOCS_SCREENSHOTS, ROOT, SCREENSHOT_DIR, poll, startWebApp, type WebApp } from './web-app.ts'

/** The kind's maximum: 80 s of a quiet core (about 1.2e9 steps a second), far more when shared. */
const LONG_N = 100_000_000_000
const LONG_COUNT = 6
/** About a second each: a batch that finishes. */
const SHORT_N = 1_000_000_000
const SHORT_COUNT = 4

let app: WebApp
let context: BrowserContext
let page: Page
const pageErrors: string[] = []
const consoleErrors: string[] = []
/** Tests that reached their last line; the README screenshot needs all of them. */
const passed = new Set<string>()
let longIds: number[] = []
/** What the monitor sent, as the engine side saw it. */
const monitorSamples: { at: number; cores: number[] }[] = []

const shot = (name: string) => join(SCREENSHOT_DIR, `web-${name}.png`)

beforeAll(async () => {
  app = await startWebApp({ cpuSlots: 2 })
  app.monitor.onSample((sample) => monitorSamples.push({ at: Date.now(), cores: sample.cores }))
  ;({ context, page } = await app.newPage())
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
})

afterAll(async () => {
  await context?.close()
  await app?.close()
})

async function rowStates(): Promise<Record<string, string>> {
  return page.$$eval('[data-testid="job-row"]', (rows) =>
    Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.id!, (r as HTMLElement).dataset.state!])),
  )
}

/** Closes the toasts (they would cover the screenshot), in the page: they come and go on their own. */
async function dismissNotices(): Promise<void> {
  await page.$$eval('[data-testid="notice"] button[aria-label="Dismiss"]', (buttons) =>
    buttons.forEach((b) => (b as HTMLButtonElement).click()),
  )
  await page.waitForTimeout(200) // their exit transition
}

/** The cores shown for the running rows, if every running row shows one. */
async function runningCores(): Promise<Set<string>> {
  const cores = await page.$$eval('[data-testid="job-row"][data-state="running"] [data-testid="job-core"]', (cells) =>
    cells.map((c) => c.textContent!.trim()),
  )
  return new Set(cores.includes('') ? [] : cores)
}

async function coreLoads(): Promise<number[]> {
  return page.$$eval('[data-testid="core-meter"]', (meters) => meters.map((m) => Number((m as HTMLElement).dataset.load)))
}

describe('web mode in Chromium', () => {
  it('refuses the page without its token', async () => {
    const { context: stranger, page: strangerPage } = await app.newPage()
    try {
      for (const path of ['/', '/?token=wrong', `/?token=${app.server.token.slice(0, -2)}`]) {
        const response = await strangerPage.goto(app.origin + path)
        expect(response?.status(), path).toBe(401)
        expect(await strangerPage.textContent('body')).toContain('needs its access token')
      }
      // Nor does the app's own WebSocket open without it.
      const code = await strangerPage.evaluate(
        (url) =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(url)
            ws.onclose = (event) => resolve(event.code)
          }),
        `ws://${new URL(app.origin).host}/ws?token=wrong`,
      )
      expect(code).toBe(4401)
    } finally {
      await stranger.close()
    }
    passed.add('token')
  })

  it('loads the UI with the token, then refuses bad form input naming the field', async () => {
    await app.openUi(page)
    // The page drops the token from its address once it has it.
    expect(page.url()).not.toContain('token=')
    await expect(page.getByTestId('empty-state').first().textContent()).resolves.toContain('No jobs yet')
    expect(await page.getByTestId('core-meter').count()).toBe(cpus().length)

    await page.getByTestId('kind-select').selectOption('sum-squares')
    await page.getByTestId('param-n').fill('-5')
    await page.getByTestId('job-count').fill('3')
    await page.getByTestId('submit-job').click()
    const error = page.locator('[data-testid="form-error"][data-field="template.params.n"]')
    await error.waitFor({ timeout: 5_000 })
    expect(await error.textContent()).toMatch(/params\.n\b.+/)
    await page.screenshot({ path: shot('form-error') })

    await page.getByTestId('param-n').fill('1000')
    await page.getByTestId('job-count').fill('0')
    await page.getByTestId('submit-job').click()
    const countError = page.locator('[data-testid="form-error"][data-field="count"]')
    await countError.waitFor({ timeout: 5_000 })
    // Fixing the field clears its message.
    expect(await page.locator('[data-testid="form-error"][data-field="template.params.n"]').count()).toBe(0)

    // Nothing reached the engine.
    expect(app.engine.stats().counts).toMatchObject({ queued: 0, running: 0, succeeded: 0 })
    expect(await page.getByTestId('job-row').count()).toBe(0)
    passed.add('form')
  })

  it('queues CPU jobs from the form and shows them on two workers on two cores, meters moving', async () => {
    // Before our jobs (on a shared machine other work may already keep the cores busy).
    await page.waitForTimeout(600)
    const before = await coreLoads()
    const historyBefore = await page.getByTestId('core-history').screenshot()

    await page.getByTestId('param-n').fill(String(LONG_N))
    await page.getByTestId('job-count').fill(String(LONG_COUNT))
    await expect(page.getByTestId('submit-job').textContent()).resolves.toContain(`Submit ${LONG_COUNT} jobs`)
    const submittedAt = Date.now()
    await page.getByTestId('submit-job').click()
    expect(await page.getByTestId('form-error').count()).toBe(0)

    await page
      .locator('[data-testid="job-row"]')
      .nth(LONG_COUNT - 1)
      .waitFor({ timeout: 10_000 })
    longIds = Object.keys(await rowStates()).map(Number)
    expect(longIds).toHaveLength(LONG_COUNT)

    // Two slots, two cores: two rows running, each showing the core its worker is on (the core
    // comes with the monitor's beat, so poll; the scheduler may briefly put both on one core).
    await poll('two running jobs on two different cores', runningCores, (cores) => cores.size === 2, { timeoutMs: 20_000 })
    expect(await page.locator('[data-testid="job-row"][data-state="running"]').count()).toBe(2)

    // Meters move with the monitor: every reading on screen is one of the monitor's latest
    // samples (so they follow it live; a core pinned at 100 % shows 100 % each time), each core
    // shows the one job on it, and the history chart slides on.
    const uiSamples: number[][] = []
    for (let i = 0; i < 6; i++) {
      uiSamples.push(await coreLoads())
      const recent = monitorSamples.filter((m) => m.at > Date.now() - 1_500).map((m) => m.cores.map(Math.round).join('/'))
      expect(recent, `screen shows ${uiSamples.at(-1)!.join('/')}`).toContain(uiSamples.at(-1)!.join('/'))
      await page.waitForTimeout(250)
    }
    const monitorVaried =
      new Set(monitorSamples.filter((m) => m.at >= submittedAt).map((m) => m.cores.map(Math.round).join('/'))).size > 1
    console.log(
      `web-ui: core loads before ${before.join('/')}, busy every 250 ms: ${uiSamples.map((s) => s.join('/')).join(' ')}` +
        ` (monitor ${monitorVaried ? 'varied' : 'steady'} since submit)`,
    )
    if (monitorVaried) expect(new Set([before, ...uiSamples].map((s) => s.join('/'))).size).toBeGreaterThan(1)
    expect(Math.max(...uiSamples.flat())).toBeGreaterThanOrEqual(60)
    expect(await page.getByTestId('cpu-total').getAttribute('data-level')).toMatch(/^(low|mid|high|max)$/)
    await poll(
      'one running job shown on each core meter',
      () => page.$$eval('[data-testid="core-meter"] .jobs', (cells) => cells.map((c) => c.querySelectorAll('i').length)),
      (dots) => dots.length === cpus().length && dots.filter((n) => n === 1).length === 2 && dots.reduce((a, b) => a + b) === 2,
      { timeoutMs: 10_000 },
    )
    expect((await page.getByTestId('core-history').screenshot()).equals(historyBefore)).toBe(false)

    // The README shot: light, no toasts in the way, and the table showing the two running jobs
    // on two different cores both just before and just after it is taken.
    await poll(
      'a screenshot with the running jobs on two cores',
      async () => {
        await dismissNotices()
        if ((await runningCores()).size !== 2) return false
        await page.screenshot({ path: shot('jobs') })
        return (await runningCores()).size === 2
      },
      (ok) => ok,
      { timeoutMs: 20_000 },
    )

    // Workers panel: two busy CPU workers, on different cores.
    await page.getByTestId('tab-workers').click()
    try {
      const workers = await poll(
        'two busy workers on different cores',
        () =>
          page.$$eval('[data-testid="worker-row"]', (rows) =>
            rows.map((r) => {
              const { worker, state, core } = (r as HTMLElement).dataset
              return { worker, state, core }
            }),
          ),
        (rows) => {
          const busy = rows.filter((r) => r.state === 'busy')
          return busy.length === 2 && busy.every((r) => r.core !== '') && new Set(busy.map((r) => r.core)).size === 2
        },
        { timeoutMs: 20_000 },
      )
      expect(workers.filter((r) => r.state === 'busy')).toHaveLength(2)
      await page.screenshot({ path: shot('workers') })
    } finally {
      await page.getByTestId('tab-jobs').click()
    }

    // Dark theme follows the OS setting, live.
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.locator('[data-testid="theme-select"][data-scheme="dark"]').waitFor({ timeout: 5_000 })
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    await page.screenshot({ path: shot('jobs-dark') })
    await page.emulateMedia({ colorScheme: 'light' })
    await page.locator('[data-testid="theme-select"][data-scheme="light"]').waitFor({ timeout: 5_000 })
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(background)
    passed.add('running')
  })

  it('cancels a queued job (Delete key), a running one (Cancel button), then the rest', async () => {
    const states = await rowStates()
    const queued = longIds.filter((id) => states[id] === 'queued').sort((x, y) => y - x)
    const running = longIds.filter((id) => states[id] === 'running')
    expect({ queued: queued.length, running: running.length }, JSON.stringify(states)).toEqual({
      queued: LONG_COUNT - 2,
      running: 2,
    })
    const row = (id: number) => page.locator(`[data-testid="job-row"][data-id="${id}"]`)

    // The last queued job, with the keyboard.
    await row(queued[0]!).locator('.name').click()
    await expect(row(queued[0]!).getAttribute('aria-selected')).resolves.toBe('true')
    await page.keyboard.press('Delete')
    await poll(
      'the queued job to end cancelled',
      () => row(queued[0]!).getAttribute('data-state'),
      (s) => s === 'cancelled',
      {
        timeoutMs: 10_000,
      },
    )

    // A running job, with the button; its slot goes to the next queued job.
    await row(running[0]!).locator('.name').click()
    await page.getByTestId('cancel-selected').click()
    await poll(
      'the running job to end cancelled',
      () => row(running[0]!).getAttribute('data-state'),
      (s) => s === 'cancelled',
      {
        timeoutMs: 15_000,
      },
    )
    await poll(
      'a queued job to take the free slot',
      () => row(queued.at(-1)!).getAttribute('data-state'),
      (s) => s === 'running',
      {
        timeoutMs: 15_000,
      },
    )

    // The rest at once: select all shown, cancel.
    await page.getByRole('checkbox', { name: 'Select all shown jobs' }).check()
    await page.getByTestId('cancel-selected').click()
    await poll('every long job to end cancelled', rowStates, (now) => longIds.every((id) => now[id] === 'cancelled'), {
      timeoutMs: 15_000,
      intervalMs: 250,
    })
    // Cancelled means stopped: the workers go idle rather than finish the sums.
    await poll(
      'the workers to stop working on cancelled jobs',
      () => app.engine.workers().map((w) => `${w.id}:${w.state}:${w.jobIds.length}`),
      (workers) => workers.every((w) => w.endsWith(':0')),
      { timeoutMs: 15_000, intervalMs: 250 },
    )
    expect(app.engine.stats().counts.cancelled).toBe(LONG_COUNT)
    await page.locator('[data-testid="batch-row"].done').first().waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('batch-row').first().textContent()).toMatch(new RegExp(`${LONG_COUNT} cancelled`))
    passed.add('cancel')
  })

  it('finishes a batch from the form, and a batch file given to the picker', async () => {
    await page.getByTestId('param-n').fill(String(SHORT_N))
    await page.getByTestId('job-count').fill(String(SHORT_COUNT))
    await page.getByTestId('submit-job').click()
    const shortIds = await poll(
      'the short batch in the table',
      async () =>
        Object.keys(await rowStates())
          .map(Number)
          .filter((id) => !longIds.includes(id)),
      (ids) => ids.length === SHORT_COUNT,
    )
    await poll('the short batch to succeed', rowStates, (states) => shortIds.every((id) => states[id] === 'succeeded'), {
      timeoutMs: 60_000,
      intervalMs: 250,
    })
    // Batches, newest first: this one, done, all succeeded.
    const newest = page.getByTestId('batch-row').first()
    await page.locator('[data-testid="batch-row"].done').nth(1).waitFor({ timeout: 10_000 })
    expect(await newest.textContent()).toMatch(new RegExp(`took.*${SHORT_COUNT} succeeded`, 's'))

    // The task stream: both workers' bars, the cancelled ones edged in red.
    await page.getByTestId('tab-stream').click()
    await page.getByTestId('task-stream').waitFor()
    await dismissNotices()
    await page.waitForTimeout(300)
    await page.screenshot({ path: shot('task-stream') })
    await page.getByTestId('tab-jobs').click()
    await page.getByTestId('clear-finished').click()
    await page.getByTestId('clear-finished-confirm').click()
    await poll(
      'finished jobs cleared',
      () => page.getByTestId('job-row').count(),
      (n) => n === 0,
    )

    // A batch file through the picker: the drop zone reports it, every job succeeds.
    const example = readFileSync(join(ROOT, 'examples', 'hello.json'))
    const jobsInFile = (JSON.parse(example.toString()) as { jobs: unknown[] }).jobs.length
    await page.getByTestId('batch-drop').locator('input[type="file"]').setInputFiles({
      name: 'hello.json',
      mimeType: 'application/json',
      buffer: example,
    })
    const status = page.getByTestId('batch-status')
    await page.locator('[data-testid="batch-status"][data-status="submitted"]').waitFor({ timeout: 10_000 })
    expect(await status.textContent()).toContain(`${jobsInFile} jobs queued`)
    await poll(
      'the batch file jobs to succeed',
      () => page.locator('[data-testid="job-row"][data-state="succeeded"]').count(),
      (n) => n === jobsInFile,
      { timeoutMs: 30_000, intervalMs: 250 },
    )
    await page.locator('[data-testid="batch-row"]').first().filter({ hasText: 'took' }).waitFor({ timeout: 10_000 })
    await expect(page.getByTestId('chip-succeeded').textContent()).resolves.toMatch(new RegExp(`succeeded\\s*${jobsInFile}\\b`))
    await page.screenshot({ path: shot('finished') })

    // The shell job's output is in its log.
    const uname = page.locator('[data-testid="job-row"]').filter({ hasText: 'uname' })
    await uname.locator('.name').click()
    await page.getByTestId('view-log').click()
    await page.getByTestId('log-panel').waitFor({ timeout: 5_000 })
    await poll(
      'the log text',
      () => page.getByTestId('log-text').textContent(),
      (text) => /Linux/.test(text ?? ''),
      { timeoutMs: 5_000 },
    )
    await page.keyboard.press('Escape')
    await page.getByTestId('log-panel').waitFor({ state: 'hidden', timeout: 5_000 })

    expect(pageErrors).toEqual([])
    expect(consoleErrors).toEqual([])
    passed.add('batch')

    // Everything above passed: the light jobs view with both cores busy goes in the README.
    if (UPDATE_DOCS_SCREENSHOTS && ['token', 'form', 'running', 'cancel', 'batch'].every((name) => passed.has(name))) {
      mkdirSync(DOCS_SCREENSHOT_DIR, { recursive: true })
      copyFileSync(shot('jobs'), join(DOCS_SCREENSHOT_DIR, 'corelane-web.png'))
    }
  })
})
