// --dry-run through the real CLI: every job printed (shell jobs as the command line GNU
// parallel's --dry-run prints), and nothing run: not the jobs, not the engine, no data folder.
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLines, parallelMissing, sandbox, type Sandbox } from './controls-cli.ts'

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

describe('corelane run --dry-run', () => {
  it('prints the jobs and runs nothing: the files they would create do not appear', async () => {
    const file = await box.batch('touch.json', {
      template: { kind: 'shell', params: { argv: ['touch', 'made-{}'] } },
      inputs: ['a', 'b c'],
      joblog: 'dry.joblog',
    })
    const run = await box.corelane(['run', file, '--dry-run'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe("touch made-a\ntouch 'made-b c'\n")
    expect(await exists(join(box.dir, 'made-a'))).toBe(false)
    expect(await exists(join(box.dir, 'made-b c'))).toBe(false)
    // No engine was opened (no data folder, no database) and, as in GNU parallel, no joblog written.
    expect(await exists(box.dataDir)).toBe(false)
    expect(await exists(join(box.dir, 'dry.joblog'))).toBe(false)
    // The same batch for real does create them: the dry run was not a broken run.
    const real = await box.corelane(['run', file, '-q'])
    expect(real.code).toBe(0)
    expect(await exists(join(box.dir, 'made-b c'))).toBe(true)
  })

  it('prints one JSON line per job with --json, other kinds as kind and params', async () => {
    const file = await box.batch('mixed.json', {
      jobs: [
        { name: 'sq', kind: 'sum-squares', params: { n: 5 } },
        { kind: 'shell', params: { argv: ['echo hi > out.txt'], shell: true } },
      ],
    })
    const run = await box.corelane(['run', file, '--dry-run', '--json'])
    expect(run.code).toBe(0)
    expect(jsonLines(run.stdout)).toEqual([
      { seq: 1, name: 'sq', kind: 'sum-squares', params: { n: 5 }, command: 'sum-squares {"n":5}' },
      { seq: 2, name: null, kind: 'shell', params: { argv: ['echo hi > out.txt'], shell: true }, command: 'echo hi > out.txt' },
    ])
    expect(await exists(join(box.dir, 'out.txt'))).toBe(false)
  })

  it('still refuses an invalid batch with exit 2, naming the field', async () => {
    const file = await box.batch('bad.json', { template: { kind: 'sum-squares', params: { n: '{}' } }, inputs: [1, -5] })
    const run = await box.corelane(['run', file, '--dry-run'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('inputs[1].params.n')
  })

  it.skipIf(parallelMissing() !== null)("prints what GNU parallel's --dry-run prints for the same shell commands", async () => {
    const gnu = await box.parallel(['--dry-run', 'touch made-{} && echo {}', ':::', 'x', 'y'])
    const file = await box.batch('shell.json', {
      template: { kind: 'shell', params: { argv: ['touch made-{} && echo {}'], shell: true } },
      inputs: ['x', 'y'],
    })
    const ours = await box.corelane(['run', file, '--dry-run'])
    expect(ours.stdout).toBe(gnu.stdout)
    expect(await exists(join(box.dir, 'made-x'))).toBe(false)
  })
})
