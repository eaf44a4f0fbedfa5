// Streamed inputs through the real `corelane` command: standard input read as it arrives (jobs
// finish before the input ends, as with `find … | corelane run`), a lines file many times the
// feed's window with every input run once, object inputs named by their `name` or their JSON,
// a range past 2^53 refused (never cut) and a bad line named by its line number.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JobStore } from '../../src/main/engine/index.ts'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-stream-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function start(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, CORELANE_DATA_DIR: join(dir, 'data') },
  })
  let stdout = ''
  let stderr = ''
  const lineWaiters: { count: number; resolve: () => void }[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk
    const lines = stdout.split('\n').filter(Boolean).length
    for (const waiter of lineWaiters.splice(0)) {
      if (lines >= waiter.count) waiter.resolve()
      else lineWaiters.push(waiter)
    }
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    lines: () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    /** Resolves once stdout holds at least `count` lines. */
    linesAtLeast: (count: number) =>
      new Promise<void>((resolveWait) => {
        if (stdout.split('\n').filter(Boolean).length >= count) resolveWait()
        else lineWaiters.push({ count, resolve: resolveWait })
      }),
  }
}

async function batch(name: string, content: unknown): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, JSON.stringify(content))
  return path
}

describe('corelane run with streamed inputs', () => {
  it('reads "lines": "-" from standard input as it arrives: jobs finish before the input ends', async () => {
    const file = await batch('stdin.json', {
      name: 'from stdin',
      template: { name: 'echo {}', kind: 'shell', params: { argv: ['echo', '{}'] } },
      inputs: { lines: '-' },
    })
    const run = start(['run', file, '--json', '--cpu-slots', '2'])
    run.child.stdin.write('first\nsecond\n')
    // With the input still open, both jobs run to the end and print their lines.
    await run.linesAtLeast(2)
    expect(run.child.exitCode).toBeNull()
    expect(
      run
        .lines()
        .map((l) => l.name)
        .sort(),
    ).toEqual(['echo first', 'echo second'])
    run.child.stdin.end('third\n\nfourth\n')
    expect(await run.exited).toBe(0)
    const lines = run.lines()
    expect(lines.at(-1)!.summary).toMatchObject({ batch: 'from stdin', total: 4, succeeded: 4, failed: 0 })
    expect(lines.slice(0, -1).map((l) => l.name)).toEqual(expect.arrayContaining(['echo third', 'echo fourth']))
  })

  it('runs every line of a file much longer than the feed window exactly once', async () => {
    const count = 25_000
    await writeFile(join(dir, 'many.txt'), Array.from({ length: count }, (_, i) => `${i}\n`).join(''))
    const file = await batch('many.json', { template: { name: 'n {}', kind: 'noop', params: {} }, inputs: { lines: 'many.txt' } })
    const run = start(['run', file, '--json'])
    expect(await run.exited).toBe(0)
    const lines = run.lines()
    expect(lines.at(-1)!.summary).toMatchObject({ total: count, succeeded: count })
    const names = new Set(lines.slice(0, -1).map((l) => l.name))
    expect(names.size).toBe(count)
    expect(names.has('n 0') && names.has(`n ${count - 1}`)).toBe(true)
  }, 120_000)

  it('holds the reading back while nobody reads its --json lines, then finishes', async () => {
    const count = 40_000
    await writeFile(join(dir, 'slow-reader.txt'), Array.from({ length: count }, (_, i) => `${i}\n`).join(''))
    const file = await batch('slow-reader.json', {
      template: { name: 'r {}', kind: 'noop', params: {} },
      inputs: { lines: 'slow-reader.txt' },
    })
    const dataDir = join(dir, 'slow-reader-data')
    const run = start(['run', file, '--json', '--data-dir', dataDir])
    run.child.stdout.pause()
    // Nobody reads: the count of finished jobs stops growing well before the end.
    const succeeded = async () => {
      const store = await JobStore.open({ dataDir }).catch(() => null)
      if (!store) return -1
      const { total } = await store.history({ state: 'succeeded', limit: 1 })
      await store.close()
      return total
    }
    let last = -2
    for (let now = await succeeded(); now !== last || now <= 0; now = await succeeded()) {
      last = now
      await new Promise((resolveWait) => setTimeout(resolveWait, 1500))
    }
    expect(last).toBeLessThan(count)
    run.child.stdout.resume()
    expect(await run.exited).toBe(0)
    expect(run.lines().at(-1)!.summary).toMatchObject({ total: count, succeeded: count })
  }, 120_000)

  it('names jobs from object inputs by their name field or their JSON, never [object Object]', async () => {
    const file = await batch('objects.json', {
      template: { name: 'render {}', kind: 'mandelbrot', params: { width: 8, height: 8 } },
      inputs: [
        { name: 'left', x: -1 },
        { x: 0.25, y: 0.5 },
      ],
    })
    const run = start(['run', file, '--json'])
    expect(await run.exited).toBe(0)
    const names = run
      .lines()
      .slice(0, -1)
      .map((l) => l.name)
      .sort()
    expect(names).toEqual(['render left', 'render {"x":0.25,"y":0.5}'])
  })

  it('refuses a range past 2^53 with the field named, and a bad line by its line number', async () => {
    const range = await batch('huge-range.json', {
      template: { kind: 'noop', params: {} },
      inputs: { range: { from: 0, to: 2 ** 53 + 2 } },
    })
    const refused = start(['run', range])
    expect(await refused.exited).toBe(2)
    expect(refused.output().stderr).toContain('inputs.range.to: must be a whole number from')

    // Line 3 (after an empty line, which is skipped) makes a name longer than 200 characters.
    await writeFile(join(dir, 'names.txt'), `short\n\n${'x'.repeat(250)}\n`)
    const lines = await batch('bad-line.json', {
      template: { name: '{}', kind: 'noop', params: {} },
      inputs: { lines: 'names.txt' },
    })
    const bad = start(['run', lines])
    expect(await bad.exited).toBe(2)
    expect(bad.output().stderr).toMatch(/bad-line\.json: inputs\.lines\[line 3\]\.name: /)
  })
})
