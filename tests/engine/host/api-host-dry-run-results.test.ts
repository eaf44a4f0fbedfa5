// The window's --dry-run and --results (issue #12), through the API host on a real persistent
// engine: a dry run expands the submit (a shell job as its command line) and runs nothing; a
// submit with `results` writes each job's stdout, stderr, seq and result.json in the layout of
// `corelane run --results`; a folder that is not absolute, or cannot be made, is refused by
// name before anything is queued.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DRY_RUN_LIST_MAX, type DryRunResult } from '../../../src/shared/contract.ts'
import { ok, usePersistentApi } from './persistent-api.ts'

const ctx = usePersistentApi('corelane-api-dry-run-', 1)

const jobsHeld = () => Object.values(ctx.opened.engine.stats().counts).reduce((sum, n) => sum + n, 0)

async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('dry run from the window', () => {
  it('lists the expanded jobs, a shell job as its command line, and runs nothing', async () => {
    const before = jobsHeld()
    const marker = (input: string) => join(ctx.dir, `ran-${input}`)
    const dry = ok<DryRunResult>(
      await ctx.api.handle('dryRun', {
        name: 'touch them',
        template: { name: 'touch {}', kind: 'shell', params: { argv: ['touch', join(ctx.dir, 'ran-{}')] } },
        inputs: ['a', 'b c'],
        halt: 'now,fail=1',
        results: join(ctx.dir, 'never-made'),
      }),
    )
    expect(dry).toEqual({
      total: 2,
      jobs: [
        { seq: 1, name: 'touch a', kind: 'shell', command: `touch ${marker('a')}` },
        { seq: 2, name: 'touch b c', kind: 'shell', command: `touch '${marker('b c')}'` },
      ],
    })
    const other = ok<DryRunResult>(
      await ctx.api.handle('dryRun', { template: { kind: 'sum-squares', params: { n: 5 } }, count: 1 }),
    )
    expect(other.jobs).toEqual([{ seq: 1, name: null, kind: 'sum-squares', command: 'sum-squares {"n":5}' }])
    // Nothing queued, nothing ran, no results folder made.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(jobsHeld()).toBe(before)
    expect(existsSync(marker('a'))).toBe(false)
    expect(existsSync(join(ctx.dir, 'never-made'))).toBe(false)
  })

  it('counts every job and lists the first DRY_RUN_LIST_MAX; a bad param is refused by name', async () => {
    const many = ok<DryRunResult>(
      await ctx.api.handle('dryRun', { template: { kind: 'noop', params: {} }, count: DRY_RUN_LIST_MAX + 5 }),
    )
    expect(many.total).toBe(DRY_RUN_LIST_MAX + 5)
    expect(many.jobs).toHaveLength(DRY_RUN_LIST_MAX)
    const bad = await ctx.api.handle('dryRun', { template: { kind: 'sum-squares', params: { n: -5 } }, count: 1 })
    expect(!bad.ok && bad.error.fields?.map((f) => f.field)).toEqual(['template.params.n'])
  })
})

describe('results from the window', () => {
  it("writes each job's stdout, stderr, seq and result.json under the folder, as `corelane run --results` does", async () => {
    const out = join(ctx.dir, 'results')
    const argv = ['sh', '-c', 'echo "out {}"; echo "err {}" >&2; [ {} != bad ]']
    const { jobIds } = ok<{ jobIds: number[] }>(
      await ctx.api.handle('submit', { template: { kind: 'shell', params: { argv } }, inputs: ['good', 'bad'], results: out }),
    )
    await ctx.opened.engine.whenSettled(jobIds)
    await eventually('both result.json files', () =>
      ['good', 'bad'].every((input) => existsSync(join(out, '1', input, 'result.json'))),
    )
    for (const [input, seq] of [
      ['good', '1'],
      ['bad', '2'],
    ] as const) {
      const dir = join(out, '1', input)
      expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe(`out ${input}\n`)
      expect(await readFile(join(dir, 'stderr'), 'utf8')).toBe(`err ${input}\n`)
      expect(await readFile(join(dir, 'seq'), 'utf8')).toBe(seq)
    }
    expect(JSON.parse(await readFile(join(out, '1/good/result.json'), 'utf8'))).toMatchObject({
      state: 'succeeded',
      result: { exitCode: 0 },
    })
    expect(JSON.parse(await readFile(join(out, '1/bad/result.json'), 'utf8'))).toMatchObject({
      state: 'failed',
      error: { code: 'exit-code', message: 'exited with code 1' },
    })
  })

  it('refuses a folder that is not absolute, or cannot be made, naming `results`, and queues nothing', async () => {
    const before = jobsHeld()
    const job = { kind: 'noop', params: {} }
    const relative = await ctx.api.handle('submit', { jobs: [job], results: 'out' })
    expect(!relative.ok && relative.error.fields?.map((f) => f.field)).toEqual(['results'])
    expect(!relative.ok && relative.error.message).toMatch(/^results: must be an absolute folder path/)
    const file = join(ctx.dir, 'a-file')
    await writeFile(file, 'not a folder')
    const blocked = await ctx.api.handle('submit', { jobs: [job], results: join(file, 'out') })
    expect(!blocked.ok && blocked.error).toMatchObject({ code: 'invalid-input', fields: [{ field: 'results' }] })
    expect(!blocked.ok && blocked.error.message).toContain('cannot create the folder')
    expect(jobsHeld()).toBe(before)
  })
})
