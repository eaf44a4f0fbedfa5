// The desktop app end to end with Playwright's _electron: launch the built app, queue jobs
// through the real window, and see them run. Where no Electron binary exists this reports
// itself SKIPPED with the reason; it is never counted as a pass.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { _electron, type ElectronApplication } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { findElectronBinary } from './electron-binary.ts'

const root = resolve(import.meta.dirname, '../..')
const binary = findElectronBinary()
let app: ElectronApplication | null = null

afterAll(async () => {
  await app?.close()
})

describe('Electron app', () => {
  it('launches, queues CPU jobs from the window and shows them running and finished', async (ctx) => {
    if (!('path' in binary)) {
      // Kept in the JSON report so `npm test` can print why this was skipped.
      ;(ctx.task.meta as Record<string, unknown>).skipReason = binary.reason
      return ctx.skip(binary.reason)
    }
    execFileSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' })
    app = await _electron.launch({
      executablePath: binary.path,
      args: [join(root, 'out/main/index.js'), `--user-data-dir=${mkdtempSync(join(tmpdir(), 'corelane-electron-'))}`],
      cwd: root,
    })
    const window = await app.firstWindow()
    // Security posture as the renderer sees it: no Node, only the contract object.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
    expect(await window.evaluate(() => Object.keys((window as unknown as { corelane: object }).corelane).sort())).toEqual(['call', 'on'])
    await window.getByTestId('core-meter').first().waitFor()
    const result = await window.evaluate(async () => {
      const api = (window as unknown as { corelane: { call(c: string, i: unknown): Promise<{ jobIds: number[] }> } }).corelane
      return api.call('submit', { template: { kind: 'sum-squares', params: { n: 20_000_000 } }, count: 4 })
    })
    expect(result.jobIds).toHaveLength(4)
    await window.locator('[data-testid="job-row"][data-state="succeeded"]').nth(3).waitFor({ timeout: 60_000 })
    // The desktop-only edges: the main process answers with an error for bad input, naming the field.
    const bad = await window.evaluate(async () => {
      const api = (window as unknown as { corelane: { call(c: string, i: unknown): Promise<unknown> } }).corelane
      return api.call('submit', { template: { kind: 'sum-squares', params: { n: -1 } }, count: 1 }).then(
        () => 'accepted',
        (error: Error) => error.message,
      )
    })
    expect(bad).toContain('params.n')
  })
})
