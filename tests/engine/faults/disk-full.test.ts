// Nothing lost on a full disk: the data folder sits on a 4 MiB tmpfs filled to its last few
// pages. A failed database write is kept and retried until it lands, the user is told at once
// on stderr, the CLI does not exit 0 while records are only in memory, and `history` reads a
// database on a full disk without writing anything.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it, type TestContext } from 'vitest'
import WebSocket from 'ws'
import { fillDisk, mountTmpfs, runCli, tempDir } from './helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** A data folder with a database already in it, on a small tmpfs; skips the test (with the reason) where none can be mounted. */
async function smallDisk(ctx: TestContext): Promise<{ dir: string; dataDir: string; batch: string }> {
  const dir = await tempDir('corelane-full-', cleanup)
  const mnt = join(dir, 'mnt')
  await mkdir(mnt)
  const mounted = mountTmpfs(mnt, '4m')
  if (!mounted.ok) ctx.skip(mounted.reason)
  cleanup.push(async () => {
    if (mounted.ok) mounted.unmount()
  })
  const dataDir = join(mnt, 'data')
  const first = runCli(['run', '-', '-q', '--data-dir', dataDir])
  first.child.stdin.end(JSON.stringify({ template: { kind: 'noop' }, count: 2 }))
  expect((await first.exit).code).toBe(0)
  const batch = join(dir, 'batch.json')
  await writeFile(batch, JSON.stringify({ name: 'on a full disk', template: { kind: 'sleep', params: { ms: 20 } }, count: 300 }))
  return { dir, dataDir, batch }
}

function statesOf(dataDir: string): Record<string, number> {
  const db = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
  try {
    const rows = db.prepare('SELECT state, count(*) AS n FROM jobs WHERE batch_id = 2 GROUP BY state').all() as {
      state: string
      n: number
    }[]
    return Object.fromEntries(rows.map((r) => [r.state, r.n]))
  } finally {
    db.close()
  }
}

describe('a full disk', () => {
  it('keeps failed writes, says so at once, and saves every record once there is space again (exit 0 only then)', async (ctx) => {
    const { dataDir, batch } = await smallDisk(ctx)
    const free = await fillDisk(join(dataDir, '..'), 12)
    const run = runCli(['run', batch, '--json', '--io-concurrency', '50', '--data-dir', dataDir])
    await run.waitFor(/cannot write the job database .*corelane\.db \(.*(full|space)/i)
    // Every job has finished by now or soon; the CLI must still be waiting for its records.
    await run.waitFor(/job records are not saved yet/)
    expect(run.child.exitCode).toBeNull()
    await free()
    const { code } = await run.exit
    expect(run.stderr).toMatch(/the job database is written again/)
    expect(code).toBe(0)
    expect(statesOf(dataDir)).toEqual({ succeeded: 300 })
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!).summary
    expect(summary).toMatchObject({ total: 300, succeeded: 300 })
    expect(summary.notSaved).toBeUndefined()
  })

  it('never exits 0 while records are not saved: giving up (Ctrl-C) exits 3 and says how many were lost', async (ctx) => {
    const { dataDir, batch } = await smallDisk(ctx)
    const free = await fillDisk(join(dataDir, '..'), 12)
    cleanup.push(free)
    const run = runCli(['run', batch, '--json', '--io-concurrency', '50', '--data-dir', dataDir])
    await run.waitFor(/job records are not saved yet/)
    run.child.kill('SIGINT')
    const { code } = await run.exit
    expect(code).toBe(3)
    expect(run.stderr).toMatch(/gave up: \d+ job records were not saved/)
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!).summary).toMatchObject({ total: 300, notSaved: true })
  })

  it('web mode says so on stderr at once, and saves the records once there is space', async (ctx) => {
    const { dir, dataDir } = await smallDisk(ctx)
    const web = join(dir, 'web')
    await mkdir(web)
    await writeFile(join(web, 'index.html'), '<!doctype html>')
    const serve = runCli(['serve', '--port', '0', '--data-dir', dataDir], { CORELANE_WEB_ROOT: web })
    cleanup.push(async () => void serve.child.kill('SIGKILL'))
    await serve.waitFor(/Corelane web mode: /, 'stdout')
    const url = new URL(serve.stdout.split('Corelane web mode: ')[1]!.trim())
    const free = await fillDisk(join(dataDir, '..'), 12)
    const ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`)
    cleanup.push(async () => void ws.terminate())
    await new Promise((resolve) => ws.once('open', resolve))
    ws.send(JSON.stringify({ id: 1, command: 'submit', input: { template: { kind: 'noop', params: {} }, count: 300 } }))
    await serve.waitFor(/cannot write the job database .*corelane\.db/)
    await free()
    await serve.waitFor(/the job database is written again/)
    // The jobs may still be finishing; their records land as they do.
    for (let i = 0; i < 200 && statesOf(dataDir).succeeded !== 300; i++) await new Promise((r) => setTimeout(r, 100))
    expect(statesOf(dataDir)).toEqual({ succeeded: 300 })
    serve.child.kill('SIGTERM')
    expect((await serve.exit).code).toBe(0)
  })

  it('history reads a database on a full disk and writes nothing', async (ctx) => {
    const { dataDir } = await smallDisk(ctx)
    const free = await fillDisk(join(dataDir, '..'), 0)
    cleanup.push(free)
    const before = (await readdir(dataDir)).sort()
    const run = runCli(['history', '--format', 'json', '--data-dir', dataDir])
    const { code } = await run.exit
    expect(run.stderr).toBe('')
    expect(code).toBe(0)
    expect(JSON.parse(run.stdout)).toHaveLength(2)
    expect((await readdir(dataDir)).sort()).toEqual(before)
  })
})

describe('history never writes', () => {
  it('does not create corelane.db in a folder that has none (exit 2, naming the path)', async () => {
    const dir = await tempDir('corelane-nodb-', cleanup)
    const run = runCli(['history', '--data-dir', dir])
    const { code } = await run.exit
    expect(code).toBe(2)
    expect(run.stderr).toContain(join(dir, 'corelane.db'))
    expect(run.stderr).toMatch(/no job database/)
    expect(await readdir(dir)).toEqual([])
    await rm(dir, { recursive: true, force: true })
  })
})
