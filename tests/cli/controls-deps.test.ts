// Dependencies and --delay through the real CLI: order respected under 2 slots, a failed
// dependency stops its dependents (exit 1, naming it), --resume-failed after the fix runs the
// failed job and then what waited for it, a cycle refused with exit 2, and --delay as a ratio.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsOf, t, sandbox, sh, type Sandbox } from './controls-cli.ts'

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

describe('corelane run with dependencies', () => {
  it('runs each job after what it waits for, under 2 slots; a failure stops what waits for it', async () => {
    const marker = join(box.dir, 'fixed')
    const file = await box.batch('deps.json', {
      jobs: [
        sh('sleep 0.2', { name: 'deploy', after: ['test', 'build'] }),
        sh('sleep 0.3', { name: 'build' }),
        sh(`test -f ${marker}`, { name: 'test', after: ['build'] }),
        sh('sleep 0.1', { name: 'docs' }),
        sh('true', { name: 'notify', after: ['deploy'] }),
      ],
    })
    const first = await box.corelane(['run', file, '--json', '--cpu-slots', '2'])
    expect(first.code).toBe(1)
    const jobs = jobsOf(first.stdout)
    expect(jobs.build!.state).toBe('succeeded')
    expect(t(jobs.test!.startedAt)).toBeGreaterThanOrEqual(t(jobs.build!.endedAt))
    expect(jobs.test!.state).toBe('failed')
    expect(jobs.deploy).toMatchObject({
      state: 'cancelled',
      startedAt: null,
      error: { code: 'dependency-failed', message: 'not run: it waits for "test", which failed' },
    })
    expect(jobs.notify!.error!.message).toBe('not run: it waits for "deploy", which did not run')
    expect(jobs.docs!.state).toBe('succeeded')

    // Fix the cause: --resume-failed runs "test" again, and then what waited for it.
    await writeFile(marker, '')
    const again = await box.corelane(['run', file, '--json', '--resume-failed', '--cpu-slots', '2'])
    expect(again.code).toBe(0)
    const rerun = jobsOf(again.stdout)
    expect(Object.keys(rerun).sort()).toEqual(['deploy', 'notify', 'test'])
    expect(t(rerun.deploy!.startedAt)).toBeGreaterThanOrEqual(t(rerun.test!.endedAt))
    expect(t(rerun.notify!.startedAt)).toBeGreaterThanOrEqual(t(rerun.deploy!.endedAt))
  })

  it('maps {} in a template’s after, and refuses a cycle with exit 2 naming the field', async () => {
    const cycle = await box.batch('cycle.json', {
      jobs: [sh('true', { name: 'a', after: ['b'] }), sh('true', { name: 'b', after: ['a'] })],
    })
    const refused = await box.corelane(['run', cycle])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('jobs[0].after: a cycle: a → b → a')
    const unknown = await box.batch('unknown.json', {
      template: { name: 'step {}', kind: 'noop', params: {}, after: ['step {}x'] },
      inputs: [1],
    })
    const named = await box.corelane(['run', unknown])
    expect(named.code).toBe(2)
    // A template is streamed: its jobs may wait only for those of earlier inputs.
    expect(named.stderr).toContain('inputs[0].after[0]: no job named "step 1x" before it in this batch')
  })
})

describe('corelane run --delay', () => {
  it('spaces the starts by at least the delay (a generous ratio)', async () => {
    const file = await box.batch('delay.json', { template: { name: 'd{}', kind: 'noop', params: {} }, inputs: [1, 2, 3, 4] })
    const run = await box.corelane(['run', file, '--json', '--delay', '0.25s', '--cpu-slots', '4'])
    expect(run.code).toBe(0)
    const starts = Object.values(jobsOf(run.stdout))
      .map((l) => t(l.startedAt))
      .sort((a, b) => a - b)
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(3 * 250 * 0.9)
    const refused = await box.corelane(['run', file, '--delay', 'later'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--delay: must be milliseconds')
  })
})
