// Dependencies in a template batch through the real CLI (every template run is streamed): object
// inputs that carry their own `after`, replacing the template's. The README's example runs end to
// end; order holds under 2 slots (from the jobs' recorded start and end times); a failed
// dependency stops what waits for it; --resume-failed after the fix runs it and then them; a
// forward or unknown name, and an `after` that is not a list, are refused naming the field.
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsOf, t, type JobLine, sandbox, type Sandbox } from './controls-cli.ts'

const EXAMPLE = resolve(import.meta.dirname, '../../examples/pipeline-inputs.json')

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

/** Asserts each `[dependent, dependency]` pair started only once its dependency had ended. */
function expectAfter(jobs: Record<string, JobLine>, pairs: [string, string][]): void {
  for (const [dependent, dependency] of pairs) {
    expect(t(jobs[dependent]!.startedAt), `${dependent} after ${dependency}`).toBeGreaterThanOrEqual(t(jobs[dependency]!.endedAt))
  }
}
/** An object input of a shell template: its name, its command, and optionally its own `after`. */
const step = (name: string, command: string, after?: string[]) => ({ name, argv: [command], ...(after ? { after } : {}) })
const shellTemplate = (after?: string[]) => ({ kind: 'shell', params: { shell: true }, ...(after ? { after } : {}) })

describe('corelane run: a template whose inputs name the jobs they wait for', () => {
  it('runs the README’s example (examples/pipeline-inputs.json) in dependency order under 2 slots', async () => {
    const run = await box.corelane(['run', EXAMPLE, '--json', '--cpu-slots', '2'])
    expect(run.code, run.stderr).toBe(0)
    const jobs = jobsOf(run.stdout)
    expect(Object.values(jobs).map((j) => j.state)).toEqual(Array(6).fill('succeeded'))
    expectAfter(jobs, [
      ['fetch a', 'make folder'], // the template's `after`
      ['fetch b', 'make folder'],
      ['count a', 'fetch a'], // an input's own, instead
      ['count b', 'fetch b'],
      ['report', 'count a'],
      ['report', 'count b'],
    ])
    // Each step read what the one before it wrote (paths are relative to where corelane runs).
    expect((await readFile(join(box.dir, 'pipeline-out/b.count'), 'utf8')).trim()).toBe('2000')
  })

  it('a failed dependency stops what waits for it; --resume-failed after the fix runs it, then them', async () => {
    const marker = join(box.dir, 'fixed')
    const file = await box.batch('pipeline.json', {
      template: shellTemplate(),
      inputs: [
        step('build', 'sleep 0.3'),
        step('lint', 'sleep 0.2'),
        step('test', `sleep 0.1; test -f ${marker}`, ['build']),
        step('package', 'sleep 0.1', ['test', 'lint']),
        step('deploy', 'true', ['package']),
        step('docs', 'true', ['lint']),
      ],
    })
    const first = await box.corelane(['run', file, '--json', '--cpu-slots', '2'])
    expect(first.code, first.stderr).toBe(1)
    const jobs = jobsOf(first.stdout)
    expect(jobs.test!.state).toBe('failed')
    expect(jobs.package).toMatchObject({
      state: 'cancelled',
      startedAt: null,
      error: { code: 'dependency-failed', message: 'not run: it waits for "test", which failed' },
    })
    expect(jobs.deploy).toMatchObject({
      state: 'cancelled',
      startedAt: null,
      error: { code: 'dependency-failed', message: 'not run: it waits for "package", which did not run' },
    })
    expect([jobs.build!.state, jobs.lint!.state, jobs.docs!.state]).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expectAfter(jobs, [
      ['test', 'build'],
      ['docs', 'lint'],
    ])

    await writeFile(marker, '')
    const again = await box.corelane(['run', file, '--json', '--resume-failed', '--cpu-slots', '2'])
    expect(again.code, again.stderr).toBe(0)
    const rerun = jobsOf(again.stdout)
    expect(Object.keys(rerun).sort()).toEqual(['deploy', 'package', 'test'])
    expect(Object.values(rerun).map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expectAfter(rerun, [
      ['package', 'test'],
      ['deploy', 'package'],
    ])
  })

  it('`after: []` takes an input out of the template’s `after`; without it the first input would wait for itself', async () => {
    const inputs = [step('setup', 'true'), step('one', 'true'), step('two', 'true')]
    const withOwn = await box.batch('fan-out.json', {
      template: shellTemplate(['setup']),
      inputs: [{ ...inputs[0], after: [] }, ...inputs.slice(1)],
    })
    const run = await box.corelane(['run', withOwn, '--json', '--cpu-slots', '2'])
    expect(run.code, run.stderr).toBe(0)
    expectAfter(jobsOf(run.stdout), [
      ['one', 'setup'],
      ['two', 'setup'],
    ])
    const without = await box.batch('fan-out-self.json', { template: shellTemplate(['setup']), inputs })
    const refused = await box.corelane(['run', without])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('inputs[0].after[0]: no job named "setup" before it in this batch')
  })

  it('refuses a forward or unknown name, and an `after` that is not a list of names, naming the field', async () => {
    const forward = await box.batch('forward.json', {
      template: shellTemplate(),
      inputs: [step('fetch a', 'true'), step('parse b', 'true', ['fetch b']), step('fetch b', 'true')],
    })
    const run = await box.corelane(['run', forward, '--json'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('inputs[1].after[0]: no job named "fetch b" before it in this batch')
    // The stream stops at that input after the jobs before it have run.
    expect(Object.keys(jobsOf(run.stdout))).toEqual(['fetch a'])

    const notList = await box.batch('not-list.json', {
      template: shellTemplate(),
      inputs: [step('fetch a', 'true'), { name: 'parse a', argv: ['true'], after: 'fetch a' }],
    })
    const bad = await box.corelane(['run', notList])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('inputs[1].after: expected Array, got "fetch a"')
    const empty = await box.batch('empty-name.json', {
      template: shellTemplate(),
      inputs: [step('fetch a', 'true'), { name: 'parse a', argv: ['true'], after: [''] }],
    })
    const blank = await box.corelane(['run', empty])
    expect(blank.code).toBe(2)
    expect(blank.stderr).toContain('inputs[1].after[0]')
  })
})
