// --joblog through the real CLI, read back and compared field by field with the joblog GNU
// parallel writes for the same commands (skipped, with the reason, where it is not installed).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JOBLOG_HEADER } from '../../src/shared/export.ts'
import { parallelMissing, sandbox, sh, type Sandbox } from './controls-cli.ts'

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

interface Row {
  Seq: string
  Host: string
  Starttime: string
  JobRuntime: string
  Send: string
  Receive: string
  Exitval: string
  Signal: string
  Command: string
}

/** A joblog as a reader script sees it: the header's names, then one row per line, by Seq. */
async function readJoblog(path: string): Promise<{ header: string; rows: Row[] }> {
  const text = await readFile(path, 'utf8')
  expect(text.endsWith('\n')).toBe(true)
  const [header, ...lines] = text.slice(0, -1).split('\n')
  const names = header!.split('\t')
  const rows = lines.map((line) => Object.fromEntries(line.split('\t').map((value, i) => [names[i], value])) as unknown as Row)
  return { header: `${header}\n`, rows: rows.sort((a, b) => Number(a.Seq) - Number(b.Seq)) }
}

// Run through /bin/sh by both: output on stdout, an exit code, a signal, a slow one, a timeout,
// and output on both streams (GNU parallel's Receive counts stdout only).
const COMMANDS = [
  'echo hello',
  'exit 3',
  'sleep 0.3; echo slow',
  'kill -9 $$',
  "printf 'a\\tb\\n'",
  'sleep 5',
  'echo out; echo more err >&2',
]
const TIMEOUT_S = 1.5

describe('corelane run --joblog', () => {
  const missing = parallelMissing()

  it('writes the header and one line per job in GNU parallel format', async () => {
    const file = await box.batch('format.json', { jobs: [sh('echo hi'), { kind: 'sum-squares', params: { n: 10 } }] })
    const run = await box.corelane(['run', file, '-q', '--joblog', 'format.joblog'])
    expect(run.code).toBe(0)
    const text = await readFile(join(box.dir, 'format.joblog'), 'utf8')
    expect(text.startsWith(JOBLOG_HEADER)).toBe(true)
    const { rows } = await readJoblog(join(box.dir, 'format.joblog'))
    expect(rows).toHaveLength(2)
    for (const row of rows) {
      expect(row.Host).toBe(':')
      expect(row.Starttime).toMatch(/^\d{10}\.\d{3}$/)
      expect(row.JobRuntime).toMatch(/^ *\d+\.\d{3}$/)
      expect(row.JobRuntime).toHaveLength(10)
      expect(Math.abs(Number(row.Starttime) * 1000 - Date.now())).toBeLessThan(10 * 60_000)
    }
    expect(rows[0]).toMatchObject({ Seq: '1', Exitval: '0', Signal: '0', Receive: '3', Command: 'echo hi' })
    expect(rows[1]).toMatchObject({ Seq: '2', Exitval: '0', Command: 'sum-squares {"n":10}' })
  })

  it.skipIf(missing !== null)(
    `matches GNU parallel's joblog for the same commands field by field${missing ? ` (skipped: ${missing})` : ''}`,
    async () => {
      const gnu = await box.parallel(['-j3', '--timeout', String(TIMEOUT_S), '--joblog', 'gnu.joblog', ':::', ...COMMANDS])
      expect(gnu.code).not.toBe(255)
      const file = await box.batch('same.json', { jobs: COMMANDS.map((c) => sh(c, { timeoutMs: TIMEOUT_S * 1000 })) })
      const ours = await box.corelane(['run', file, '-q', '--cpu-slots', '3', '--joblog', 'corelane.joblog'])
      expect(ours.code).toBe(1)

      const theirs = await readJoblog(join(box.dir, 'gnu.joblog'))
      const mine = await readJoblog(join(box.dir, 'corelane.joblog'))
      expect(mine.header).toBe(theirs.header)
      expect(mine.rows).toHaveLength(COMMANDS.length)
      for (let i = 0; i < COMMANDS.length; i++) {
        const [a, b] = [mine.rows[i]!, theirs.rows[i]!]
        // Exactly equal: what a script reading joblogs branches on.
        for (const field of ['Seq', 'Host', 'Send', 'Receive', 'Exitval', 'Signal', 'Command'] as const) {
          expect({ job: b.Command, field, value: a[field] }).toEqual({ job: b.Command, field, value: b[field] })
        }
        // Times: the same format, and run times of the same order (generous: both are measured on a loaded machine).
        expect(a.Starttime).toMatch(/^\d+\.\d{3}$/)
        expect(a.JobRuntime).toHaveLength(b.JobRuntime.length)
        expect(a.JobRuntime).toMatch(/^ *\d+\.\d{3}$/)
      }
      const runtime = (rows: Row[], seq: number) => Number(rows[seq - 1]!.JobRuntime)
      // The slow job (3) ran at least its 0.3 s in both; the timed-out one (6) about the timeout.
      expect(runtime(mine.rows, 3)).toBeGreaterThanOrEqual(0.3)
      expect(runtime(mine.rows, 6)).toBeGreaterThanOrEqual(TIMEOUT_S * 0.9)
      expect(runtime(mine.rows, 6)).toBeLessThan(TIMEOUT_S * 4)
      expect(runtime(theirs.rows, 6)).toBeLessThan(TIMEOUT_S * 4)
    },
  )

  it.skipIf(missing !== null)('writes argv jobs as the command line GNU parallel quotes for the same words', async () => {
    // parallel quotes each input it puts into the command; Corelane quotes each argv word.
    const words = ['a b', "it's", 'x$y', 'plain', '']
    const gnu = await box.parallel(['--joblog', 'gnu-quote.joblog', 'echo', ':::', ...words])
    expect(gnu.code).toBe(0)
    const file = await box.batch('quote.json', { template: { kind: 'shell', params: { argv: ['echo', '{}'] } }, inputs: words })
    const ours = await box.corelane(['run', file, '-q', '--cpu-slots', '1', '--joblog', 'quote.joblog'])
    expect(ours.code).toBe(0)
    const theirs = (await readJoblog(join(box.dir, 'gnu-quote.joblog'))).rows
    const mine = (await readJoblog(join(box.dir, 'quote.joblog'))).rows
    expect(mine.map((r) => [r.Seq, r.Command, r.Receive])).toEqual(theirs.map((r) => [r.Seq, r.Command, r.Receive]))
  })

  it('`corelane history --format joblog` gives the same lines from the database (Seq: the job id)', async () => {
    const file = await box.batch('history.json', { jobs: [sh('echo one; echo two >&2'), sh('exit 4')] })
    const run = await box.corelane(['run', file, '--json', '--joblog', 'history.joblog'])
    const batchId = (JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { summary: { batchId: number } }).summary.batchId
    const history = await box.corelane(['history', '--format', 'joblog', '--batch', String(batchId)])
    expect(history.code).toBe(0)
    const fromRun = (await readJoblog(join(box.dir, 'history.joblog'))).rows
    const lines = history.stdout.trim().split('\n')
    expect(`${lines[0]}\n`).toBe(JOBLOG_HEADER)
    const fromHistory = lines.slice(1).map((l) => l.split('\t'))
    // Same start, run time, output size, exit and command; only the numbering differs.
    expect(fromHistory.map((r) => r.slice(1).join('\t')).sort()).toEqual(
      fromRun
        .map((r) => [r.Host, r.Starttime, r.JobRuntime, r.Send, r.Receive, r.Exitval, r.Signal, r.Command].join('\t'))
        .sort(),
    )
  })

  it('refuses a joblog it cannot write before running anything (exit 2)', async () => {
    const file = await box.batch('nowhere.json', { jobs: [sh(`touch ${join(box.dir, 'ran')}`)] })
    const run = await box.corelane(['run', file, '--joblog', join(box.dir, 'no', 'such', 'dir', 'x.joblog')])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--joblog: cannot write')
    await expect(readFile(join(box.dir, 'ran'))).rejects.toThrow()
  })
})
