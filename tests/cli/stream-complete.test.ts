// A streamed batch knows whether it is whole: it is marked complete after its last chunk,
// and only then. One stopped by a bad line (its total unknown: `lines`) is resumed from what
// the database holds, reading on past the lines it covers into the same batch; once whole,
// --resume has nothing to read.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../engine/faults/helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

function query<T>(dataDir: string, sql: string): T[] {
  const db = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
  try {
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

const LINES = 40

describe('a streamed batch marked complete', () => {
  it('a stream stopped by a bad line is read on by --resume, then is whole', async () => {
    const dir = await tempDir('corelane-stream-complete-', cleanup)
    const dataDir = join(dir, 'data')
    const names = Array.from({ length: LINES }, (_, i) => `in-${i}`)
    // Line 6 makes a job name longer than 200 characters: the reading stops there.
    const bad = names.map((name, i) => (i === 5 ? 'x'.repeat(250) : name))
    await writeFile(join(dir, 'inputs.txt'), `${bad.join('\n')}\n`)
    const batch = join(dir, 'batch.json')
    await writeFile(
      batch,
      JSON.stringify({ template: { name: '{}', kind: 'noop', params: {} }, inputs: { lines: 'inputs.txt' } }),
    )

    const first = runCli(['run', batch, '-q', '--data-dir', dataDir])
    expect((await first.exit).code).toBe(2)
    expect(first.stderr).toMatch(/inputs\.lines\[line 6\]\.name/)
    expect(query<{ total: number | null; complete: number | null }>(dataDir, 'SELECT total, complete FROM batches')).toEqual([
      { total: null, complete: 0 },
    ])
    expect(query<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM jobs')[0]!.n).toBe(5)

    await writeFile(join(dir, 'inputs.txt'), `${names.join('\n')}\n`)
    const resumed = runCli(['run', batch, '--resume', '--data-dir', dataDir])
    expect((await resumed.exit).code).toBe(0)
    expect(resumed.stderr).toMatch(/resuming batch 1: 0 to run again, 5 already done, reading on from input 6\n/)
    expect(resumed.stderr).toMatch(new RegExp(`${LINES}/${LINES} succeeded`))
    const rows = query<{ n: number; names: number; batches: number }>(
      dataDir,
      'SELECT count(*) AS n, count(DISTINCT name) AS names, count(DISTINCT batch_id) AS batches FROM jobs',
    )[0]!
    expect(rows).toEqual({ n: LINES, names: LINES, batches: 1 })
    expect(query<{ complete: number }>(dataDir, 'SELECT complete FROM batches')).toEqual([{ complete: 1 }])

    // Whole now: a line added to the file is not read (a new run without --resume would take it).
    await writeFile(join(dir, 'inputs.txt'), `${names.join('\n')}\nextra\n`)
    const again = runCli(['run', batch, '--resume', '--data-dir', dataDir])
    expect((await again.exit).code).toBe(0)
    expect(again.stderr).toMatch(new RegExp(`resuming batch 1: 0 to run again, ${LINES} already done\n`))
    expect(query<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM jobs')[0]!.n).toBe(LINES)
  }, 60_000)
})
