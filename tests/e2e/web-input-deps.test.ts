// Web mode in Chromium against the real engine (web-app.ts): the job form's inputs box takes
// JSON object lines with their own `name` and `after` (issue #12), so one shell template makes a
// small pipeline. Each job starts only after what it names has ended (2 slots).
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { poll, startWebApp, type WebApp } from './web-app.ts'

let app: WebApp
let context: BrowserContext
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  app = await startWebApp({ cpuSlots: 2 })
  ;({ context, page } = await app.newPage())
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  await app.openUi(page)
})

afterAll(async () => {
  await context?.close()
  await app?.close()
})

const line = (name: string, command: string, after?: string[]) =>
  JSON.stringify({ name, argv: ['sh', '-c', command], ...(after ? { after } : {}) })

describe('the job form with inputs that wait for others', () => {
  it('runs each input after the ones it names', async () => {
    await page.getByTestId('kind-select').selectOption('shell')
    await page.getByTestId('param-argv').fill('true')
    await page.getByTestId('mode-inputs').check()
    await page
      .getByTestId('job-inputs')
      .fill(
        [
          line('fetch a', 'sleep 0.3'),
          line('fetch b', 'sleep 0.1'),
          line('parse a', 'sleep 0.1', ['fetch a']),
          line('report', 'true', ['parse a', 'fetch b']),
        ].join('\n'),
      )
    await page.getByTestId('submit-job').click()
    const jobs = await poll(
      'the four jobs settled',
      () => app.engine.listJobs({}).jobs.filter((job) => ['fetch a', 'fetch b', 'parse a', 'report'].includes(job.name)),
      (list) => list.length === 4 && list.every((job) => job.state === 'succeeded'),
      { timeoutMs: 30_000 },
    )
    const byName = new Map(jobs.map((job) => [job.name, job]))
    const after = (dependent: string, dependency: string) =>
      expect(byName.get(dependent)!.startedAt!, `${dependent} after ${dependency}`).toBeGreaterThanOrEqual(
        byName.get(dependency)!.endedAt!,
      )
    after('parse a', 'fetch a')
    after('report', 'parse a')
    after('report', 'fetch b')
    expect(pageErrors).toEqual([])
  })
})
