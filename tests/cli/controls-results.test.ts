// --results through the real CLI: the folder layouts of GNU parallel's --results, compared
// with the tree GNU parallel writes for the same inputs where it is installed.
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parallelMissing, sandbox, type Sandbox } from './controls-cli.ts'

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort()
}

const INPUTS = ['a b', 'x/y', 'plain']

describe('corelane run --results', () => {
  it('writes DIR/1/<input>/{stdout,stderr,seq} and result.json for a template over inputs', async () => {
    const file = await box.batch('res.json', { template: { kind: 'shell', params: { argv: ['echo', '{}'] } }, inputs: INPUTS })
    const run = await box.corelane(['run', file, '-q', '--results', 'out'])
    expect(run.code).toBe(0)
    const out = join(box.dir, 'out')
    expect((await tree(out)).filter((f) => !f.endsWith('result.json'))).toEqual(
      ['1/a b', '1/plain', '1/x\\_y'].flatMap((d) => [`${d}/seq`, `${d}/stderr`, `${d}/stdout`]).sort(),
    )
    expect(await readFile(join(out, '1/x\\_y/stdout'), 'utf8')).toBe('x/y\n')
    expect(await readFile(join(out, '1/x\\_y/seq'), 'utf8')).toBe('2')
    expect(JSON.parse(await readFile(join(out, '1/x\\_y/result.json'), 'utf8'))).toMatchObject({
      state: 'succeeded',
      result: { exitCode: 0 },
    })
  })

  it.skipIf(parallelMissing() !== null)('lays out the same tree as GNU parallel for the same inputs', async () => {
    const gnu = await box.parallel(['--results', 'gnu-out', 'echo', ':::', ...INPUTS])
    expect(gnu.code).toBe(0)
    const file = await box.batch('same.json', { template: { kind: 'shell', params: { argv: ['echo', '{}'] } }, inputs: INPUTS })
    expect((await box.corelane(['run', file, '-q', '--results', 'ours'])).code).toBe(0)
    const theirs = await tree(join(box.dir, 'gnu-out'))
    const mine = (await tree(join(box.dir, 'ours'))).filter((f) => !f.endsWith('result.json'))
    expect(mine).toEqual(theirs)
    for (const path of theirs) {
      expect({ path, text: await readFile(join(box.dir, 'ours', path), 'utf8') }).toEqual({
        path,
        text: await readFile(join(box.dir, 'gnu-out', path), 'utf8'),
      })
    }
  })

  it('writes stdout and stderr apart, each with its own bytes in order, as GNU parallel does where it is installed', async () => {
    const argv = ['sh', '-c', 'echo "out {}"; echo "err {}" >&2; echo "out2 {}"']
    const file = await box.batch('streams.json', { template: { kind: 'shell', params: { argv } }, inputs: ['a', 'b'] })
    expect((await box.corelane(['run', file, '-q', '--results', 'split'])).code).toBe(0)
    for (const input of ['a', 'b']) {
      expect(await readFile(join(box.dir, 'split/1', input, 'stdout'), 'utf8')).toBe(`out ${input}\nout2 ${input}\n`)
      expect(await readFile(join(box.dir, 'split/1', input, 'stderr'), 'utf8')).toBe(`err ${input}\n`)
    }
    if (parallelMissing() !== null) return
    const gnu = await box.parallel([
      '--results',
      'gnu-split',
      'sh',
      '-c',
      `'echo "out {}"; echo "err {}" >&2; echo "out2 {}"'`,
      ':::',
      'a',
      'b',
    ])
    expect(gnu.code).toBe(0)
    for (const path of ['1/a/stdout', '1/a/stderr', '1/b/stdout', '1/b/stderr']) {
      expect(await readFile(join(box.dir, 'split', path), 'utf8')).toBe(await readFile(join(box.dir, 'gnu-split', path), 'utf8'))
    }
  })

  it('uses key/value folders for object inputs and name/<job> for a list of jobs', async () => {
    const objects = await box.batch('obj.json', {
      template: { kind: 'sum-squares', params: {} },
      inputs: [{ n: 3 }, { n: 4 }],
    })
    expect((await box.corelane(['run', objects, '-q', '--results', 'obj'])).code).toBe(0)
    expect(await tree(join(box.dir, 'obj'))).toEqual(
      ['n/3', 'n/4'].flatMap((d) => [`${d}/result.json`, `${d}/seq`, `${d}/stderr`, `${d}/stdout`]),
    )
    expect(JSON.parse(await readFile(join(box.dir, 'obj/n/4/result.json'), 'utf8')).result).toEqual({ sum: '14', n: 4 })

    const list = await box.batch('list.json', {
      jobs: [{ name: 'first', kind: 'shell', params: { argv: ['sh', '-c', 'echo out; echo err >&2; exit 2'] } }],
    })
    expect((await box.corelane(['run', list, '-q', '--results', 'list'])).code).toBe(1)
    expect(await readFile(join(box.dir, 'list/name/first/stdout'), 'utf8')).toBe('out\n')
    expect(await readFile(join(box.dir, 'list/name/first/stderr'), 'utf8')).toBe('err\n')
    expect(JSON.parse(await readFile(join(box.dir, 'list/name/first/result.json'), 'utf8'))).toMatchObject({
      state: 'failed',
      error: { code: 'exit-code', message: 'exited with code 2' },
    })
  })

  it('takes the {} and {#} forms: a folder when the name ends in /, files beside each other when not', async () => {
    const file = await box.batch('forms.json', {
      template: { kind: 'shell', params: { argv: ['echo', '{}'] } },
      inputs: ['p', '..'],
      results: 'byjob/{#}/',
    })
    expect((await box.corelane(['run', file, '-q'])).code).toBe(0)
    expect(await tree(join(box.dir, 'byjob'))).toEqual(
      ['1', '2'].flatMap((d) => [`${d}/result.json`, `${d}/seq`, `${d}/stderr`, `${d}/stdout`]),
    )
    expect((await box.corelane(['run', file, '-q', '--results', 'flat/my_{}'])).code).toBe(0)
    // ".." stays a name inside the folder, never the folder above it.
    expect(await tree(join(box.dir, 'flat'))).toEqual(
      ['my_\\.\\.', 'my_p'].flatMap((f) => [f, `${f}.err`, `${f}.result.json`, `${f}.seq`]).sort(),
    )
    expect(await readFile(join(box.dir, 'flat/my_\\.\\.'), 'utf8')).toBe('..\n')
  })
})
