// The Machines view in Chromium: the real `corelane serve --redis` (web mode following a
// cluster) serving the built UI, two real agents running a controller's long CPU jobs, and
// Debian's Chromium (playwright-core). The window must show both machines, each with its
// per-core meters and the jobs on its cores, and mark an agent that leaves.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CHROMIUM, SCREENSHOT_DIR, ensureRendererBuilt, snapshotRenderer } from './web-app.ts'
import { CLI, NODE, ROOT, startCluster, tempDir, until } from '../cluster/harness.ts'

let cluster: Awaited<ReturnType<typeof startCluster>> | null = null
let serve: ChildProcess | null = null
let browser: Browser | null = null

beforeAll(async () => {
  ensureRendererBuilt()
  const webRoot = join(tempDir('web'), 'renderer')
  await snapshotRenderer(webRoot)
  cluster = await startCluster({ agents: 2 })
  serve = spawn(NODE, [CLI, 'serve', '--redis', cluster.redis.url, '--port', '0', '--data-dir', tempDir('serve')], {
    cwd: ROOT,
    env: { ...process.env, CORELANE_WEB_ROOT: webRoot },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (serve && serve.exitCode === null) {
    const gone = new Promise((r) => serve!.once('exit', r))
    serve.kill('SIGTERM')
    await gone
  }
  await cluster?.close()
})

it('shows both machines’ cores and the jobs running on them', async () => {
  const c = cluster!
  let out = ''
  serve!.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  await until(() => /Corelane web mode: (http\S+)/.test(out), 30_000, 'serve printed its URL')
  const url = /Corelane web mode: (http\S+)/.exec(out)![1]!
  // Four long CPU jobs, one to a pack: each agent starts one as it takes it, so both run some.
  const { jobIds: ids } = await c.engine.submit({ template: { kind: 'sum-squares', params: { n: 5e10 } }, count: 4 })
  await until(
    () => new Set(ids.map((id) => c.engine.getJob(id)!.machine).filter(Boolean)).size === 2,
    20_000,
    'both agents run jobs',
  )

  const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } })
  await page.goto(url)
  await page.getByTestId('machines-tab').click({ timeout: 20_000 })
  const machines = page.getByTestId('machine')
  await until(async () => (await machines.count()) === 2, 10_000, 'two machine blocks')
  for (const name of ['agent1', 'agent2']) {
    const block = page.locator(`[data-testid="machine"][data-name="${name}"]`)
    // A machine's block can be drawn from the directory before its first telemetry (its cores) arrives.
    await block.getByTestId('machine-core').first().waitFor({ timeout: 10_000 })
    expect(await block.getByTestId('machine-core').count()).toBeGreaterThan(0)
    // Its running job shows up on one of its cores (Linux: the worker thread's CPU from /proc).
    await block.locator('[data-testid="machine-core"] [data-testid="machine-job"]').first().waitFor({ timeout: 10_000 })
  }
  const shown = await page.locator('[data-testid="machine-job"]').allTextContents()
  for (const text of shown) expect(ids.map((id) => `#${id} sum-squares`)).toContain(text.trim())
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'machines.png') })

  // An agent killed outright turns "not heard" within a few seconds.
  c.engine.cancel(ids)
  c.agents[1]!.killGroup()
  await page.locator('[data-testid="machine"][data-name="agent2"] [data-testid="machine-gone"]').waitFor({ timeout: 15_000 })
  await c.engine.whenSettled(ids)
}, 90_000)
