// Damage found at open, not later: a database damaged in its middle, one holding a bad row,
// and a 0-byte file are refused by every front-end (run, serve, history) with the file's path
// and the way out (`--reset-db`), never a hang; `--reset-db` then keeps the file aside and
// starts a new one.
import { mkdir, open, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { JobStore } from '../../../src/main/engine/index.ts'
import type { JobRowTuple } from '../../../src/main/engine/store/rows.ts'
import { runCli, tempDir, type CliRun } from './helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function seeded(jobs: number): Promise<{ dir: string; dataDir: string; db: string }> {
  const dir = await tempDir('corelane-damaged-', cleanup)
  const dataDir = join(dir, 'data')
  await mkdir(dataDir)
  const store = await JobStore.open({ dataDir })
  const rows: JobRowTuple[] = []
  for (let id = 1; id <= jobs; id++) {
    rows.push([
      id,
      1,
      `job ${id} ${'x'.repeat(80)}`,
      'noop',
      '{}',
      'io',
      'thread',
      0,
      'succeeded',
      1,
      0,
      0,
      0,
      1,
      null,
      id,
      id,
      id,
      'null',
      null,
      null,
      0,
      id,
      null,
      null,
      null,
    ])
  }
  store.write(rows, [{ id: 1, name: 'seed', createdAt: Date.now(), source: null }])
  await store.flush()
  await store.close()
  return { dir, dataDir, db: join(dataDir, 'corelane.db') }
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const run = runCli(args, env)
  cleanup.push(async () => void run.child.kill('SIGKILL'))
  return run
}

async function webRoot(dir: string): Promise<string> {
  const root = join(dir, 'web')
  await mkdir(root)
  await writeFile(join(root, 'index.html'), '<!doctype html><title>stand-in</title>')
  return root
}

/** Every front-end refuses the folder with exit 2, naming the file and --reset-db. */
async function expectRefusedEverywhere(dir: string, dataDir: string, db: string, why: RegExp): Promise<void> {
  const batch = join(dir, 'b.json')
  await writeFile(batch, JSON.stringify({ template: { kind: 'noop' }, count: 1 }))
  const env = { CORELANE_WEB_ROOT: await webRoot(dir) }
  for (const args of [
    ['run', batch, '--data-dir', dataDir],
    ['run', batch, '--resume', '--data-dir', dataDir],
    ['serve', '--port', '0', '--data-dir', dataDir],
    ['history', '--data-dir', dataDir],
  ]) {
    const run = cli(args, env)
    const { code } = await run.exit
    expect(run.stderr, args.join(' ')).toContain(db)
    expect(run.stderr, args.join(' ')).toMatch(why)
    expect(run.stderr, args.join(' ')).toMatch(/--reset-db/)
    expect(code, args.join(' ')).toBe(2)
  }
  // Nothing was left behind: the lock is released on every one of those paths.
  expect(await readdir(dataDir)).not.toContain('corelane.lock')
}

describe('a damaged database', () => {
  it('damage in the middle of the file is found at open (quick_check) and refused by run, serve and history', async () => {
    const { dir, dataDir, db } = await seeded(5000)
    const file = await open(db, 'r+')
    const { size } = await file.stat()
    await file.write(Buffer.alloc(4096, 0xab), 0, 4096, 4096 * Math.floor(size / 4096 / 2))
    await file.close()
    await expectRefusedEverywhere(dir, dataDir, db, /damaged|malformed/)

    const batch = join(dir, 'b.json')
    const reset = cli(['run', batch, '--reset-db', '--data-dir', dataDir])
    expect((await reset.exit).code).toBe(0)
    expect(reset.stderr).toMatch(/the old database was kept as .*corelane\.db\.corrupt-/)
  })

  it('a 0-byte corelane.db is refused, not taken as a new database', async () => {
    const { dir, dataDir, db } = await seeded(1)
    await writeFile(db, '')
    await expectRefusedEverywhere(dir, dataDir, db, /empty \(0 bytes\)/)
  })

  it('a bad row is refused with its id when it is loaded (serve); serve --reset-db keeps the file aside and starts', async () => {
    const { dir, dataDir, db } = await seeded(10)
    const raw = new DatabaseSync(db)
    raw.exec("UPDATE jobs SET state = 'bogus' WHERE id = 3")
    raw.close()
    const env = { CORELANE_WEB_ROOT: await webRoot(dir) }
    const refused = cli(['serve', '--port', '0', '--data-dir', dataDir], env)
    expect((await refused.exit).code).toBe(2)
    expect(refused.stderr).toMatch(/job row 3 is damaged \(unknown state "bogus"\).*--reset-db/)

    const reset = cli(['serve', '--port', '0', '--reset-db', '--data-dir', dataDir], env)
    await reset.waitFor(/Corelane web mode: http/, 'stdout')
    expect(reset.stderr).toMatch(/the old database was kept as .*corelane\.db\.corrupt-/)
    reset.child.kill('SIGTERM')
    expect((await reset.exit).code).toBe(0)
  })
})
