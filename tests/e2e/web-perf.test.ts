// Web mode performance, measured in real Chromium against the real engine and printed as
// `PERF key=value …` lines. Only generous bounds are asserted (this is a shared 2-core machine
// running headless Chromium with --disable-gpu, slower than a desktop with a display); the
// targets from the spec are printed next to the figures:
//   - first (contentful) paint of the UI: target < 1 s, asserted < 3 s;
//   - 10,000 jobs in the table scroll at 60 fps: scrolled from requestAnimationFrame for 2 s,
//     counting frames (while the jobs run, then settled: flung and at wheel speed); asserted
//     > 20 fps settled, > 10 fps while 1,000 jobs at a time change state;
//   - at most a few messages a second per event stream while 10,000 jobs change state: every
//     WebSocket frame the page receives is counted by event name; asserted <= 8 in any 1 s;
//   - the idle page (nothing running, the monitor at 4 Hz) costs <= 5% of one core: the CPU
//     time of Chromium's renderer processes (CDP SystemInfo.getProcessInfo) over a few seconds
//     on Work and History, asserted < 12% (a CSS width transition on every meter once kept
//     it at 25-120%); the meters change at most once per sample and not at all while the
//     page is hidden.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCREENSHOT_DIR, perf, poll, rendererCpuSeconds, startWebApp, type WebApp } from './web-app.ts'

const JOBS = 10_000
/** Each job waits this long on the I/O lane (1,000 at once): the run lasts several seconds. */
const SLEEP_MS = 400
const SCROLL_MS = 2_000
/** Scroll per frame: a fling (30 rows a frame: every row on screen is new each frame) and a mouse wheel. */
const FLING_PX = 900
const WHEEL_PX = 60
const MAX_PER_SECOND = 8

let app: WebApp

beforeAll(async () => {
  app = await startWebApp({ cpuSlots: 2, ioConcurrency: 1000 })
})

afterAll(async () => {
  await app?.close()
})

interface FrameStats {
  frames: number
  elapsedMs: number
  fps: number
  p50: number
  p95: number
  max: number
  longFrames: number
  rowsInDom: number
  scrolledPx: number
  firstIds: string
  lastIds: string
}

/** Scrolls the job table up and down by `step` px every animation frame for `durationMs`, timing the frames. */
function scrollTable(page: Page, durationMs: number, step: number): Promise<FrameStats> {
  return page.evaluate(
    ({ durationMs, step }) =>
      new Promise<FrameStats>((resolve) => {
        const el = document.querySelector<HTMLElement>('[data-testid="job-scroller"]')!
        const ids = () =>
          [...document.querySelectorAll<HTMLElement>('[data-testid="job-row"]')]
            .slice(0, 3)
            .map((r) => r.dataset.id)
            .join(',')
        const max = el.scrollHeight - el.clientHeight
        const firstIds = ids()
        const deltas: number[] = []
        let direction = 1
        let scrolledPx = 0
        let start = 0
        let last = 0
        const frame = (now: number) => {
          deltas.push(now - last)
          last = now
          let next = el.scrollTop + direction * step
          if (next >= max || next <= 0) {
            direction = -direction
            next = Math.min(max, Math.max(0, next))
          }
          scrolledPx += Math.abs(next - el.scrollTop)
          el.scrollTop = next
          if (now - start < durationMs) {
            requestAnimationFrame(frame)
            return
          }
          const sorted = [...deltas].sort((a, b) => a - b)
          const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
          const elapsedMs = now - start
          resolve({
            frames: deltas.length,
            elapsedMs,
            fps: (deltas.length * 1000) / elapsedMs,
            p50: at(0.5),
            p95: at(0.95),
            max: sorted.at(-1)!,
            longFrames: deltas.filter((d) => d > 50).length,
            rowsInDom: document.querySelectorAll('[data-testid="job-row"]').length,
            scrolledPx,
            firstIds,
            lastIds: ids(),
          })
        }
        requestAnimationFrame((now) => {
          start = last = now
          requestAnimationFrame(frame)
        })
      }),
    { durationMs, step },
  )
}

/** Animation frames of the page doing nothing, for comparison (headless Chromium paces rAF itself). */
function idleFps(page: Page, durationMs: number): Promise<number> {
  return page.evaluate(
    (durationMs) =>
      new Promise<number>((resolve) => {
        let frames = 0
        let start = 0
        const frame = (now: number) => {
          if (!start) start = now
          else frames++
          if (now - start < durationMs) requestAnimationFrame(frame)
          else resolve((frames * 1000) / (now - start))
        }
        requestAnimationFrame(frame)
      }),
    durationMs,
  )
}

/** The most items of `times` (sorted, ms) inside any window [t, t + 1000). */
function maxPerSecond(times: number[]): number {
  let best = 0
  let from = 0
  for (let to = 0; to < times.length; to++) {
    while (times[to]! - times[from]! >= 1000) from++
    best = Math.max(best, to - from + 1)
  }
  return best
}

const IDLE_MS = 6_000
const IDLE_TARGET_PERCENT = 5
const IDLE_BOUND_PERCENT = 12

describe('web mode performance', () => {
  it('costs a small fraction of a core while idle, and renders the meters once per sample, never while hidden', async () => {
    // The page's visibility, switchable from the test (headless Chromium never hides a page).
    const { context, page } = await app.newPage()
    try {
      await page.addInitScript(() => {
        let hidden = false
        Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') })
        Object.defineProperty(document, 'hidden', { get: () => hidden })
        ;(window as unknown as { setHidden: (h: boolean) => void }).setHidden = (h: boolean) => {
          hidden = h
          document.dispatchEvent(new Event('visibilitychange'))
        }
      })
      await app.openUi(page)
      await page.waitForTimeout(1_500) // the first paints and the topology request settle
      const percents: Record<string, number> = {}
      for (const view of ['work', 'history']) {
        if (view === 'history') {
          await page.keyboard.press('h')
          await page.getByTestId('core-meter').first().waitFor()
          await page.waitForTimeout(1_000)
        }
        const cpu0 = await rendererCpuSeconds(app.browser)
        const t0 = performance.now()
        await page.waitForTimeout(IDLE_MS)
        const cpu = await rendererCpuSeconds(app.browser)
        percents[view] = ((cpu - cpu0) / ((performance.now() - t0) / 1000)) * 100
      }

      // DOM changes in the meters, counted per second, visible then hidden then visible again.
      const changes = await page.evaluate(async () => {
        const meters = document.querySelector('[data-testid="core-meters"]')!
        let batches = 0
        const observer = new MutationObserver(() => batches++)
        observer.observe(meters, { subtree: true, childList: true, attributes: true, characterData: true })
        const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
        const setHidden = (window as unknown as { setHidden: (h: boolean) => void }).setHidden
        await wait(3_000)
        const visible = batches
        batches = 0
        setHidden(true)
        await wait(2_000)
        const hidden = batches
        batches = 0
        setHidden(false)
        await wait(300)
        const shownAgain = batches
        observer.disconnect()
        return { visiblePerSecond: visible / 3, hidden, shownAgain }
      })
      perf({
        metric: 'idle-page-cpu',
        'work-percent-of-core': Number(percents.work!.toFixed(1)),
        'history-percent-of-core': Number(percents.history!.toFixed(1)),
        'over-ms': IDLE_MS,
        target: `<=${IDLE_TARGET_PERCENT}%`,
        met: Math.max(percents.work!, percents.history!) <= IDLE_TARGET_PERCENT,
        'meter-updates-per-s': Number(changes.visiblePerSecond.toFixed(1)),
        'meter-updates-while-hidden-2s': changes.hidden,
        note: 'headless-chromium-disable-gpu-renderer-cpu-time',
      })
      expect(percents.work).toBeLessThan(IDLE_BOUND_PERCENT)
      expect(percents.history).toBeLessThan(IDLE_BOUND_PERCENT)
      // At most one render per sample (4 Hz, plus slack for a late one), none while hidden, and caught up at once.
      expect(changes.visiblePerSecond).toBeGreaterThan(0)
      expect(changes.visiblePerSecond).toBeLessThanOrEqual(6)
      expect(changes.hidden).toBe(0)
      expect(changes.shownAgain).toBeGreaterThan(0)

      // This machine's processes and hardware, as a newcomer sees them (screenshots for review).
      await page.keyboard.press('h') // back to the work view
      await page.getByTestId('tab-processes').click()
      await page.getByTestId('process-row').first().waitFor()
      await page.screenshot({ path: `${SCREENSHOT_DIR}/web-processes.png` })
      await page.getByTestId('tab-hardware').click()
      await page.getByTestId('hw-topology').getByText('logical cores').waitFor()
      await page.screenshot({ path: `${SCREENSHOT_DIR}/web-hardware.png` })
    } finally {
      await context.close()
    }
  })

  it('paints the UI quickly (first paint, first contentful paint, live data)', async () => {
    const results: Record<string, number>[] = []
    for (const visit of ['cold', 'warm']) {
      const { context, page } = await app.newPage()
      try {
        // When the first core meter (live data from the engine) appears, on the page's clock.
        await page.addInitScript(() => {
          const observer = new MutationObserver(() => {
            if (!document.querySelector('[data-testid="core-meter"]')) return
            performance.mark('corelane-live')
            observer.disconnect()
          })
          observer.observe(document, { childList: true, subtree: true })
        })
        await app.openUi(page)
        const timing = await page.evaluate(() => {
          const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]))
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
          return {
            fp: paint['first-paint'] ?? -1,
            fcp: paint['first-contentful-paint'] ?? -1,
            dcl: nav.domContentLoadedEventEnd,
            load: nav.loadEventEnd,
            live: performance.getEntriesByName('corelane-live')[0]?.startTime ?? -1,
          }
        })
        perf({
          metric: 'first-paint',
          visit,
          'first-paint-ms': Math.round(timing.fp),
          'first-contentful-paint-ms': Math.round(timing.fcp),
          'dom-content-loaded-ms': Math.round(timing.dcl),
          'load-ms': Math.round(timing.load),
          'live-data-ms': Math.round(timing.live),
          target: '<1000ms',
          met: timing.fcp >= 0 && timing.fcp < 1000,
        })
        results.push(timing)
      } finally {
        await context.close()
      }
    }
    const cold = results[0]!
    expect(cold.fp).toBeGreaterThan(0)
    expect(cold.fcp).toBeGreaterThan(0)
    expect(cold.fcp).toBeLessThan(3_000)
    expect(cold.live).toBeLessThan(5_000)
  })

  it('keeps each event stream to a few messages a second and scrolls 10,000 jobs smoothly', async () => {
    const { context, page } = await app.newPage()
    try {
      // Every frame the page receives, by event name, from counting's start (just before the
      // submit, so the page's initial snapshot is left out) to its end. Timed twice: by the
      // browser's network stack (CDP Network.webSocketFrameReceived timestamps: when Chromium
      // got it, what the renderer is handed) and on arrival here via page.on('websocket')
      // (late and bunched whenever this process, which also runs the engine, is busy).
      const frames: { event: string; at: number; bytes: number }[] = []
      const browserFrames: { event: string; at: number }[] = []
      let counting = false
      const eventOf = (text: string) => /^\{"event":"([^"]+)"/.exec(text)?.[1]
      page.on('websocket', (ws) => {
        ws.on('framereceived', ({ payload }) => {
          if (!counting) return
          const text = typeof payload === 'string' ? payload : payload.toString('utf8')
          const event = eventOf(text)
          if (event) frames.push({ event, at: performance.now(), bytes: Buffer.byteLength(text) })
        })
      })
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.enable')
      cdp.on('Network.webSocketFrameReceived', ({ timestamp, response }) => {
        if (!counting) return
        const event = eventOf(response.payloadData)
        if (event) browserFrames.push({ event, at: timestamp * 1000 })
      })
      await app.openUi(page)
      const idle = await idleFps(page, 1_000)

      counting = true
      const submitted = performance.now()
      const response = await app.api.handle('submit', {
        name: '10,000 sleeps',
        template: { kind: 'sleep', params: { ms: SLEEP_MS }, lane: 'io' },
        count: JOBS,
      })
      expect(response.ok).toBe(true)

      // The table has them all (they arrive in the page's batched events).
      await page.getByTestId('chip-all').filter({ hasText: '10,000' }).waitFor({ timeout: 30_000 })
      const inTable = performance.now() - submitted

      // Scroll while the jobs are still changing state…
      const runningBefore = app.engine.stats().counts.running
      const live = await scrollTable(page, SCROLL_MS, FLING_PX)
      const runningAfter = app.engine.stats().counts.running
      await page.screenshot({ path: `${SCREENSHOT_DIR}/web-10k-jobs.png` })

      // …then until all of them have ended, in the engine and on screen.
      await poll(
        'the 10,000 jobs to succeed',
        () => app.engine.stats().counts.succeeded,
        (n) => n === JOBS,
        { timeoutMs: 60_000, intervalMs: 100 },
      )
      const engineDone = performance.now() - submitted
      await page.getByTestId('chip-succeeded').filter({ hasText: '10,000' }).waitFor({ timeout: 30_000 })
      const uiDone = performance.now() - submitted
      // Trailing batches and a few monitor beats, then stop counting.
      await page.waitForTimeout(1_000)
      counting = false
      const countedMs = performance.now() - submitted

      // …and once more with the table settled, flung and then at wheel speed.
      const settled = await scrollTable(page, SCROLL_MS, FLING_PX)
      const wheel = await scrollTable(page, SCROLL_MS, WHEEL_PX)

      const ratesOf = (list: { event: string; at: number }[]) => {
        const byEvent = new Map<string, number[]>()
        for (const frame of list) byEvent.set(frame.event, [...(byEvent.get(frame.event) ?? []), frame.at])
        return {
          rates: Object.fromEntries([...byEvent].map(([event, times]) => [event, maxPerSecond(times.sort((x, y) => x - y))])),
          counts: Object.fromEntries([...byEvent].map(([event, times]) => [event, times.length])),
        }
      }
      const { rates, counts } = ratesOf(browserFrames)
      const arrival = ratesOf(frames)
      const jobsBytes = frames.filter((f) => f.event === 'jobs').reduce((sum, f) => sum + f.bytes, 0)

      perf({
        metric: 'ten-thousand-jobs',
        jobs: JOBS,
        kind: `sleep-${SLEEP_MS}ms-io`,
        'in-table-ms': Math.round(inTable),
        'engine-done-ms': Math.round(engineDone),
        'ui-done-ms': Math.round(uiDone),
      })
      perf({
        metric: 'ws-max-messages-per-s',
        clock: 'browser',
        ...rates,
        'over-ms': Math.round(countedMs),
        bound: MAX_PER_SECOND,
      })
      perf({ metric: 'ws-max-messages-per-s', clock: 'node-arrival', ...arrival.rates, note: 'bunched-when-engine-busy' })
      perf({
        metric: 'ws-messages-total',
        ...counts,
        'jobs-mb': Number((jobsBytes / 2 ** 20).toFixed(2)),
      })
      for (const [phase, stats] of [
        ['live', live],
        ['settled', settled],
        ['settled-wheel', wheel],
      ] as const) {
        perf({
          metric: 'scroll-10k',
          phase,
          fps: Number(stats.fps.toFixed(1)),
          'p50-frame-ms': Number(stats.p50.toFixed(1)),
          'p95-frame-ms': Number(stats.p95.toFixed(1)),
          'max-frame-ms': Math.round(stats.max),
          'long-frames-over-50ms': stats.longFrames,
          frames: stats.frames,
          'rows-in-dom': stats.rowsInDom,
          'px-per-frame': phase === 'settled-wheel' ? WHEEL_PX : FLING_PX,
          'scrolled-px': Math.round(stats.scrolledPx),
          'idle-raf-fps': Number(idle.toFixed(1)),
          target: '60fps',
          note: 'headless-chromium-disable-gpu-shared-2-core',
        })
      }
      console.log(`web-perf: jobs running during the live scroll: ${runningBefore} at its start, ${runningAfter} at its end`)

      // Every stream stays at a few messages a second, however many jobs change (and both
      // clocks saw the same frames).
      expect(arrival.counts).toEqual(counts)
      expect(Object.keys(rates).sort()).toEqual(expect.arrayContaining(['batches', 'jobs', 'monitor', 'stats', 'workers']))
      for (const [event, n] of Object.entries(rates))
        expect(n, `${event} messages in one second`).toBeLessThanOrEqual(MAX_PER_SECOND)

      // The table is virtual (a few dozen rows in the DOM), really scrolled, and kept up.
      for (const stats of [live, settled, wheel]) {
        expect(stats.rowsInDom).toBeGreaterThan(10)
        expect(stats.rowsInDom).toBeLessThan(150)
        expect(stats.scrolledPx).toBeGreaterThan(2_000)
        expect(stats.lastIds).not.toBe(stats.firstIds)
      }
      expect(settled.fps).toBeGreaterThan(20)
      expect(wheel.fps).toBeGreaterThan(20)
      expect(live.fps).toBeGreaterThan(10)
    } finally {
      await context.close()
    }
  })
})
