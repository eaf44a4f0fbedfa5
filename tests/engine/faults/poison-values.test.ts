// Poison values: a valid-looking job whose free-form value is nested thousands of levels
// deep (it overflows the stack wherever it is cloned or serialised) is refused at the schema
// with the field named; a deep value already in a database (from before the bound) neither
// hangs nor crashes history or serve; and a store request that cannot be answered fails
// instead of waiting forever.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { JobStore, StoreError } from '../../../src/main/engine/index.ts'
import { ValidationError } from '../../../src/shared/validate.ts'
import { makeEngine } from '../fixture.ts'
import { runCli, tempDir } from './helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const DEPTH = 5000
const deepText = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`

describe('a deeply nested value', () => {
  it('is refused by `run` with exit 2, naming the field; the folder keeps working', async () => {
    const dir = await tempDir('corelane-poison-', cleanup)
    const dataDir = join(dir, 'data')
    const batch = join(dir, 'deep.json')
    await writeFile(
      batch,
      `{"jobs": [{"kind": "noop"}, {"kind": "script", "params": {"module": "x.mjs", "input": ${deepText}}}]}`,
    )
    const run = runCli(['run', batch, '--data-dir', dataDir])
    expect((await run.exit).code).toBe(2)
    expect(run.stderr).toMatch(/jobs\[1\]\.params\.input\[0\]\[0\].*is nested deeper than 64 levels/)
    expect(run.stderr).not.toMatch(/RangeError|Maximum call stack/)

    const template = join(dir, 'deep-template.json')
    await writeFile(template, `{"template": {"kind": "script", "params": {"module": "x.mjs", "input": ${deepText}}}, "count": 2}`)
    const again = runCli(['run', template, '--data-dir', dataDir])
    expect((await again.exit).code).toBe(2)
    expect(again.stderr).toMatch(/template\.params: input\[0\].*is nested deeper than 64 levels/)

    const history = runCli(['history', '--data-dir', dataDir])
    const fine = runCli(['run', '-', '-q', '--data-dir', dataDir])
    fine.child.stdin.end('{"jobs": [{"kind": "noop"}]}')
    expect((await fine.exit).code).toBe(0)
    expect((await history.exit).code).not.toBeNull()
  })

  it('is refused by the engine (the API path), which keeps serving', async () => {
    const { engine } = await makeEngine()
    const input = JSON.parse(deepText) as unknown
    const refused = await engine
      .submit({ jobs: [{ kind: 'script', params: { module: 'x.mjs', input } }] })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).problems[0]!.field).toMatch(/^jobs\[0\]\.params\.input\[0\]/)
    const byTemplate = await engine
      .submit({ template: { kind: 'noop', params: {} }, inputs: [{ deep: input }] })
      .catch((e: unknown) => e)
    expect(byTemplate).toBeInstanceOf(ValidationError)
    expect(await engine.run({ kind: 'noop', params: {} })).toMatchObject({ state: 'succeeded' })
  })

  it('already in a database (an older Corelane wrote it): history answers and serve starts', async () => {
    const dir = await tempDir('corelane-poison-db-', cleanup)
    const dataDir = join(dir, 'data')
    await mkdir(dataDir)
    const store = await JobStore.open({ dataDir })
    store.write(
      [
        [
          1,
          1,
          'deep',
          'script',
          '{}',
          'cpu',
          'process',
          0,
          'queued',
          0,
          0,
          0,
          0,
          0,
          null,
          1,
          null,
          null,
          null,
          null,
          null,
          0,
          1,
          null,
          null,
          null,
        ],
      ],
      [{ id: 1, name: 'old', createdAt: 1, source: null }],
    )
    await store.flush()
    await store.close()
    const raw = new DatabaseSync(join(dataDir, 'corelane.db'))
    raw.prepare('UPDATE jobs SET params = ? WHERE id = 1').run(`{"module": "x.mjs", "input": ${deepText}}`)
    raw.close()

    const history = runCli(['history', '--format', 'json', '--data-dir', dataDir])
    cleanup.push(async () => void history.child.kill('SIGKILL'))
    expect((await history.exit).code).toBe(0)
    expect(JSON.parse(history.stdout)).toMatchObject([{ id: 1, state: 'failed', error: { code: 'invalid-params' } }])

    const root = join(dir, 'web')
    await mkdir(root)
    await writeFile(join(root, 'index.html'), '<!doctype html>')
    const serve = runCli(['serve', '--port', '0', '--data-dir', dataDir], { CORELANE_WEB_ROOT: root })
    cleanup.push(async () => void serve.child.kill('SIGKILL'))
    await serve.waitFor(/Corelane web mode: http/, 'stdout')
    serve.child.kill('SIGTERM')
    expect((await serve.exit).code).toBe(0)
  })
})

describe('store requests', () => {
  it('answer with an error, never not at all, once the store worker is gone', async () => {
    const dataDir = await tempDir('corelane-store-gone-', cleanup)
    const store = await JobStore.open({ dataDir })
    await store.close()
    const answer = await Promise.race([
      store.history({}).then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('no answer'), 5000)),
    ])
    expect(answer).toBeInstanceOf(StoreError)
    expect((answer as StoreError).message).toMatch(/store worker exited/)
  })
})
