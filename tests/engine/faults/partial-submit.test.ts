// Nothing lost when the submit itself is cut short: `kill -9` of the CLI while a big batch is
// still being written leaves only its first rows in the database. The batch's first write
// records how many jobs it will hold, so `--resume` knows it is incomplete, expands the rest
// of the file, and every job of the file runs and is stored exactly once.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { sleep } from '../fixture.ts'
import { runCli, tempDir } from './helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const TOTAL = 50_000

function query<T>(dataDir: string, sql: string): T[] {
  let db: DatabaseSync
  try {
    db = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
  } catch {
    return []
  }
  try {
    return db.prepare(sql).all() as T[]
  } catch {
    return [] // not created yet
  } finally {
    db.close()
  }
}

/** Runs the batch and kills the CLI as soon as some, not all, of its jobs are in the database; returns how many were. */
async function killMidSubmit(batch: string, dataDir: string): Promise<number> {
  const run = runCli(['run', batch, '-q', '--data-dir', dataDir])
  while (run.child.exitCode === null) {
    if ((query<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM jobs')[0]?.n ?? 0) > 0) break
    await sleep(5)
  }
  run.child.kill('SIGKILL')
  await run.exit
  return query<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM jobs')[0]?.n ?? 0
}

describe('kill -9 during the submit of a big batch', () => {
  it('--resume finishes expanding the batch: every job of the file runs and is stored exactly once', async () => {
    const dir = await tempDir('corelane-partial-', cleanup)
    const batch = join(dir, 'big.json')
    await writeFile(
      batch,
      JSON.stringify({
        name: 'big',
        template: { kind: 'noop', name: 'n {}', params: {} },
        inputs: { range: { from: 0, to: TOTAL } },
      }),
    )
    // The kill has to land inside the submit; on a fast machine the first try may miss it.
    let dataDir = ''
    let stored = TOTAL
    for (let attempt = 0; attempt < 3 && stored >= TOTAL; attempt++) {
      dataDir = join(dir, `data-${attempt}`)
      stored = await killMidSubmit(batch, dataDir)
    }
    expect(stored).toBeGreaterThan(0)
    expect(stored).toBeLessThan(TOTAL)
    const [first] = query<{ total: number | null }>(dataDir, 'SELECT total FROM batches ORDER BY id LIMIT 1')
    expect(first?.total).toBe(TOTAL)

    const resume = runCli(['run', batch, '--resume', '--json', '--data-dir', dataDir])
    const { code } = await resume.exit
    expect(resume.stderr).toBe('')
    expect(code).toBe(0)
    const summary = JSON.parse(resume.stdout.trim().split('\n').at(-1)!).summary
    expect(summary).toMatchObject({ total: TOTAL, succeeded: TOTAL, failed: 0, cancelled: 0 })

    const rows = query<{ n: number; names: number; done: number }>(
      dataDir,
      "SELECT count(*) AS n, count(DISTINCT name) AS names, sum(state = 'succeeded') AS done FROM jobs",
    )[0]!
    expect(rows).toEqual({ n: TOTAL, names: TOTAL, done: TOTAL })

    // A second --resume finds the run complete (the rest went into the same batch): nothing to do.
    const again = runCli(['run', batch, '--resume', '--data-dir', dataDir])
    expect((await again.exit).code).toBe(0)
    expect(again.stderr).toMatch(/resuming batch 1: 0 to run again, 50000 already done\n/)
  })

  it('--resume adds the rest of a cut-short list of jobs to the same batch, each job once', async () => {
    const dir = await tempDir('corelane-partial-', cleanup)
    const batch = join(dir, 'list.json')
    const jobs = Array.from({ length: TOTAL }, (_, i) => ({ kind: 'noop', name: `j ${i}` }))
    await writeFile(batch, JSON.stringify({ name: 'list', jobs }))
    let dataDir = ''
    let stored = TOTAL
    for (let attempt = 0; attempt < 3 && stored >= TOTAL; attempt++) {
      dataDir = join(dir, `data-${attempt}`)
      stored = await killMidSubmit(batch, dataDir)
    }
    expect(stored).toBeGreaterThan(0)
    expect(stored).toBeLessThan(TOTAL)
    const resume = runCli(['run', batch, '--resume', '--data-dir', dataDir])
    expect((await resume.exit).code).toBe(0)
    expect(resume.stderr).toMatch(new RegExp(`, ${TOTAL - stored} never submitted \\(the last submit was cut short\\) to add\n`))
    const rows = query<{ n: number; names: number; done: number; batches: number }>(
      dataDir,
      "SELECT count(*) AS n, count(DISTINCT name) AS names, sum(state = 'succeeded') AS done, count(DISTINCT batch_id) AS batches FROM jobs",
    )[0]!
    expect(rows).toEqual({ n: TOTAL, names: TOTAL, done: TOTAL, batches: 1 })
    expect(query<{ complete: number }>(dataDir, 'SELECT complete FROM batches')).toEqual([{ complete: 1 }])
  })

  it('refuses to resume a cut-short batch from a file that changed since (exit 2)', async () => {
    const dir = await tempDir('corelane-partial-', cleanup)
    const batch = join(dir, 'big.json')
    await writeFile(batch, JSON.stringify({ template: { kind: 'noop' }, count: TOTAL }))
    let dataDir = ''
    let stored = TOTAL
    for (let attempt = 0; attempt < 3 && stored >= TOTAL; attempt++) {
      dataDir = join(dir, `data-${attempt}`)
      stored = await killMidSubmit(batch, dataDir)
    }
    expect(stored).toBeLessThan(TOTAL)
    await writeFile(batch, JSON.stringify({ template: { kind: 'noop' }, count: TOTAL + 1 }))
    const resume = runCli(['run', batch, '--resume', '--data-dir', dataDir])
    expect((await resume.exit).code).toBe(2)
    expect(resume.stderr).toMatch(/the file changed since batch 1 was submitted \(50000 jobs then, 50001 now\)/)
  })
})
