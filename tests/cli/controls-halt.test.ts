// --halt through the real CLI on real shell jobs: `now` cancels running jobs, `soon` lets them
// finish and starts no more, counts and percentages are GNU parallel's (a percentage is of the
// batch's jobs), and the exit code says why the batch stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLines, parallelMissing, sandbox, sh, type Sandbox } from './controls-cli.ts'

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

type Line = Record<string, unknown> & { name: string; state: string; startedAt: string | null }
const byName = (stdout: string) => {
  const lines = jsonLines(stdout)
  const summary = lines.pop()!.summary as Record<string, unknown>
  return { jobs: Object.fromEntries((lines as Line[]).map((l) => [l.name, l])), summary }
}

describe('corelane run --halt', () => {
  it('now,fail=1: the first failure cancels the running job and the queued ones; exit 1', async () => {
    const file = await box.batch('now.json', {
      jobs: [
        sh('sleep 0.3; exit 3', { name: 'fails' }),
        sh('sleep 20', { name: 'long' }),
        sh('true', { name: 'queued-1' }),
        sh('true', { name: 'queued-2' }),
      ],
    })
    const started = Date.now()
    const run = await box.corelane(['run', file, '--json', '--cpu-slots', '2', '--halt', 'now,fail=1'])
    const wall = Date.now() - started
    expect(run.code).toBe(1)
    const { jobs, summary } = byName(run.stdout)
    expect(jobs.fails!.state).toBe('failed')
    // It was running when the halt came, and did not get to finish its 20 s.
    expect(jobs.long!.state).toBe('cancelled')
    expect(jobs.long!.startedAt).not.toBeNull()
    expect(wall).toBeLessThan(20_000 / 2)
    expect(jobs['queued-1']!.state).toBe('cancelled')
    expect(jobs['queued-2']!.state).toBe('cancelled')
    expect(summary.halted).toEqual({ rule: 'now,fail=1', when: 'now', failed: 1, succeeded: 0, cancelled: 3 })
    expect(run.stderr).toContain('halt now,fail=1 reached')
  })

  it('soon,fail=1: the running job finishes, nothing new starts; exit 1', async () => {
    const file = await box.batch('soon.json', {
      jobs: [
        sh('sleep 0.2; exit 4', { name: 'fails' }),
        sh('sleep 1; echo done', { name: 'running' }),
        sh('true', { name: 'never-1' }),
        sh('true', { name: 'never-2' }),
      ],
    })
    const run = await box.corelane(['run', file, '--json', '--cpu-slots', '2', '--halt', 'soon,fail=1'])
    expect(run.code).toBe(1)
    const { jobs, summary } = byName(run.stdout)
    expect(jobs.running!.state).toBe('succeeded')
    expect(jobs['never-1']).toMatchObject({ state: 'cancelled', startedAt: null })
    expect(jobs['never-2']).toMatchObject({ state: 'cancelled', startedAt: null })
    expect(summary).toMatchObject({ succeeded: 1, failed: 1, cancelled: 2 })
    expect(summary.halted).toMatchObject({ rule: 'soon,fail=1', when: 'soon', failed: 1 })
  })

  it('soon: a running job that fails with retries left is not started again', async () => {
    const file = await box.batch('soon-retry.json', {
      jobs: [sh('sleep 0.2; exit 1', { name: 'fails' }), sh('sleep 0.5; exit 1', { name: 'would-retry', retries: 3 })],
    })
    const run = await box.corelane(['run', file, '--json', '--cpu-slots', '2', '--halt', 'soon,fail=1'])
    expect(run.code).toBe(1)
    const { jobs } = byName(run.stdout)
    expect(jobs['would-retry']!.state).toBe('cancelled')
    expect(jobs['would-retry']!.attempts).toBe(1)
  })

  // 6 jobs one at a time: 50% is 3 failures, reached by the 4th job, as GNU parallel counts.
  const halfOfSix = ['exit 1', 'true', 'exit 2', 'exit 1', 'true', 'true']

  it('now,fail=50%: halts at the third failure of six jobs; the last two never run', async () => {
    const file = await box.batch('pct.json', { jobs: halfOfSix.map((c, i) => sh(c, { name: `j${i + 1}` })) })
    const run = await box.corelane(['run', file, '--json', '--cpu-slots', '1', '--halt', 'now,fail=50%'])
    expect(run.code).toBe(1)
    const { jobs, summary } = byName(run.stdout)
    expect(['j1', 'j2', 'j3', 'j4'].map((n) => jobs[n]!.state)).toEqual(['failed', 'succeeded', 'failed', 'failed'])
    expect(jobs.j5!.state).toBe('cancelled')
    expect(jobs.j6!.state).toBe('cancelled')
    expect(summary.halted).toMatchObject({ failed: 3, succeeded: 1 })
  })

  it.skipIf(parallelMissing() !== null)('now,fail=50% runs the same jobs as GNU parallel does', async () => {
    const run = await box.parallel(['-j1', '--halt', 'now,fail=50%', '--joblog', 'pct.joblog', ':::', ...halfOfSix])
    expect(run.code).toBe(50) // GNU parallel: the percentage that failed, ceil(3 / 6 · 100)
    const { readFile } = await import('node:fs/promises')
    const seqs = (await readFile(`${box.dir}/pct.joblog`, 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split('\t')[0]))
    expect(seqs.sort()).toEqual([1, 2, 3, 4])
  })

  it('now,success=2: stops after two successes and exits 0, as GNU parallel does, despite a failure', async () => {
    const file = await box.batch('success.json', {
      jobs: ['exit 1', 'true', 'true', 'true', 'true'].map((c, i) => sh(c, { name: `s${i + 1}` })),
    })
    const run = await box.corelane(['run', file, '--json', '--cpu-slots', '1', '--halt', 'now,success=2'])
    expect(run.code).toBe(0)
    const { jobs, summary } = byName(run.stdout)
    expect(['s1', 's2', 's3'].map((n) => jobs[n]!.state)).toEqual(['failed', 'succeeded', 'succeeded'])
    expect(jobs.s4!.state).toBe('cancelled')
    expect(summary.halted).toMatchObject({ rule: 'now,success=2', succeeded: 2, failed: 1 })
  })

  it('takes the rule from the batch file, and GNU parallel shorthands (2 = now,fail=1)', async () => {
    const file = await box.batch('in-file.json', {
      halt: '2',
      jobs: [sh('exit 9', { name: 'a' }), sh('true', { name: 'b' }), sh('true', { name: 'c' })],
    })
    const run = await box.corelane(['run', file, '--json', '--cpu-slots', '1'])
    expect(run.code).toBe(1)
    const { jobs, summary } = byName(run.stdout)
    expect(jobs.b!.state).toBe('cancelled')
    expect(summary.halted).toMatchObject({ rule: 'now,fail=1' })
  })

  it('refuses a rule that is not one, naming the flag or the field (exit 2)', async () => {
    const file = await box.batch('ok.json', { jobs: [sh('true')] })
    const flag = await box.corelane(['run', file, '--halt', 'later,fail=1'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/--halt: must be never, now\|soon/)
    const zero = await box.corelane(['run', file, '--halt', 'now,fail=0'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('--halt: the count must be 1 or more')
    const inFile = await box.batch('bad.json', { halt: 'soon,fail=200%', jobs: [sh('true')] })
    const field = await box.corelane(['run', inFile])
    expect(field.code).toBe(2)
    expect(field.stderr).toContain('halt: the count must be 1 or more, a percentage from 1% to 100%')
  })
})
