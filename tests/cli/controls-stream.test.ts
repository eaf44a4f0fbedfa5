// Batch controls on a template batch longer than the stream's window (10,000 unfinished), through
// the real CLI: it is streamed (the engine pulls it), not submitted whole, and the controls
// hold: -k prints 25,000 lines in input order, the joblog numbers every job by its input once,
// and a halt percentage is of the file's known length (1% of 100,000 is 1,000 failures), not
// of the jobs read so far (about a window's 10,000 then, which would halt at about 100).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLines, sandbox, type Sandbox } from './controls-cli.ts'

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

const INPUTS = 25_000

describe('batch controls on a streamed batch', () => {
  it('keeps 25,000 lines in input order and logs every job once, numbered by its input', async () => {
    const file = await box.batch('long.json', {
      template: { name: 'n {}', kind: 'noop', params: {} },
      inputs: { range: { to: INPUTS } },
    })
    const joblog = join(box.dir, 'long.joblog')
    const run = await box.corelane(['run', file, '--json', '-k', '--joblog', joblog])
    expect(run.code).toBe(0)
    const lines = jsonLines(run.stdout)
    expect(lines.at(-1)!.summary).toMatchObject({ total: INPUTS, succeeded: INPUTS })
    expect(lines.slice(0, -1).map((line) => line.name)).toEqual(Array.from({ length: INPUTS }, (_, i) => `n ${i}`))
    const rows = (await readFile(joblog, 'utf8')).trim().split('\n')
    expect(rows[0]!.split('\t')[0]).toBe('Seq')
    const seqs = rows.slice(1).map((row) => Number(row.split('\t')[0]))
    expect(seqs.length).toBe(INPUTS)
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: INPUTS }, (_, i) => i + 1))
  }, 240_000)

  it('halts at a percentage of the known length, and stops reading', async () => {
    // The first 1,200 of 100,000 inputs time out (a failure, for the halt) after 300 ms; the
    // rest end at once. 1% of 100,000 is 1,000; of the ~10,000 read by then it would be ~100.
    const length = 100_000
    const inputs = Array.from({ length }, (_, i) => ({ ms: i < 1200 ? 5000 : 0 }))
    const file = await box.batch('halt.json', {
      halt: 'now,fail=1%',
      template: { kind: 'sleep', params: {}, timeoutMs: 300 },
      inputs,
    })
    const run = await box.corelane(['run', file, '--json'])
    expect(run.code).toBe(1)
    const summary = jsonLines(run.stdout).at(-1)!.summary as Record<string, unknown>
    expect(summary.halted).toMatchObject({ rule: 'now,fail=1%', failed: 1000 })
    // Reading stopped at the halt: not every input became a job.
    expect(summary.total as number).toBeLessThan(length)
  }, 240_000)
})
