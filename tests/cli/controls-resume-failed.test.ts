// --resume-failed through the real CLI: after fixing what made jobs fail or time out, it runs
// them again (and only them); plain --resume leaves failed jobs alone, as GNU parallel's does.
// The joblog is appended to on a resume, as GNU parallel appends.
import { readFile, writeFile } from 'node:fs/promises'
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

describe('corelane run --resume-failed', () => {
  it('runs failed and timed-out jobs again once their cause is fixed, and leaves the rest', async () => {
    const marker = join(box.dir, 'marker')
    const file = await box.batch('fixable.json', {
      jobs: [
        { name: 'ok', kind: 'shell', params: { argv: ['true'] } },
        { name: 'needs-marker', kind: 'shell', params: { argv: ['test', '-f', marker] } },
        // Hangs until the marker exists: times out the first time.
        {
          name: 'waits-for-marker',
          kind: 'shell',
          params: { argv: [`test -f ${marker} || sleep 30`], shell: true },
          timeoutMs: 500,
        },
      ],
    })
    const first = await box.corelane(['run', file, '--json', '--joblog', 'fix.joblog'])
    expect(first.code).toBe(1)
    const states = Object.fromEntries(
      jsonLines(first.stdout)
        .slice(0, -1)
        .map((l) => [l.name, l.state]),
    )
    expect(states).toEqual({ ok: 'succeeded', 'needs-marker': 'failed', 'waits-for-marker': 'timed-out' })

    // --resume alone reruns interrupted and cancelled jobs only: nothing here.
    const resumed = await box.corelane(['run', file, '--json', '--resume'])
    expect(resumed.code).toBe(1)
    expect(jsonLines(resumed.stdout)).toHaveLength(1)

    await writeFile(marker, '')
    const again = await box.corelane(['run', file, '--json', '--resume-failed', '--joblog', 'fix.joblog'])
    expect(again.code).toBe(0)
    const lines = jsonLines(again.stdout)
    const rerun = lines.slice(0, -1)
    expect(rerun.map((l) => l.name).sort()).toEqual(['needs-marker', 'waits-for-marker'])
    expect(rerun.every((l) => l.state === 'succeeded')).toBe(true)
    // The same batch, now all succeeded ("ok" kept its first run).
    expect(lines.at(-1)!.summary).toMatchObject({
      batchId: JSON.parse(first.stdout.trim().split('\n').at(-1)!).summary.batchId,
      succeeded: 3,
    })

    // One header; the first run's three lines, then the two jobs run again with their own Seq.
    const joblog = (await readFile(join(box.dir, 'fix.joblog'), 'utf8')).trim().split('\n')
    expect(joblog.filter((l) => l.startsWith('Seq\t'))).toHaveLength(1)
    const rows = joblog.slice(1).map((l) => l.split('\t'))
    expect(rows).toHaveLength(5)
    expect(
      rows
        .slice(0, 3)
        .map((r) => [r[0], r[6]])
        .sort(),
    ).toEqual([
      ['1', '0'],
      ['2', '1'],
      ['3', '-1'],
    ])
    expect(
      rows
        .slice(3)
        .map((r) => [r[0], r[6]])
        .sort(),
    ).toEqual([
      ['2', '0'],
      ['3', '0'],
    ])
  })
})
