// `after` in a streamed template batch past the stream's window (10,000 inputs), through the
// real CLI and its SQLite file: a fan-out where every input waits for the first job
// (`"after": ["make folder"]`, the first input opting out with its own `[]`) runs to the end;
// after a kill -9 past the window, `--resume` reads on and the inputs it reads find the early
// job in the database (succeeded: they run); and when the early job was still running at the
// kill, the resumed run reruns it and every dependent, old and newly read, waits for it.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, describe, expect, it } from 'vitest'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')
const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

interface Ran {
  code: number | null
  signal: string | null
  out: string
  err: string
}

/** Runs the CLI; `killWhen` is asked on output and every 100 ms (at most every 50 ms), and a yes kills it with SIGKILL. */
function run(args: string[], killWhen?: (lines: number) => boolean): Promise<Ran> {
  const child = spawn(process.execPath, [CLI, ...args])
  let lines = 0
  let out = ''
  let err = ''
  let checked = 0
  const check = () => {
    if (!killWhen || child.exitCode !== null || child.signalCode !== null || Date.now() - checked < 50) return
    checked = Date.now()
    if (killWhen(lines)) child.kill('SIGKILL')
  }
  const timer = killWhen ? setInterval(check, 100) : null
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    out += text
    lines += text.split('\n').length - 1
    check()
  })
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return new Promise((done) =>
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer)
      done({ code, signal, out, err })
    }),
  )
}

interface Row {
  id: number
  name: string
  input_index: number
  state: string
  started_at: number | null
  ended_at: number | null
}

function rows(dataDir: string): Row[] {
  const db = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
  try {
    return db.prepare('SELECT id, name, input_index, state, started_at, ended_at FROM jobs ORDER BY id').all() as unknown as Row[]
  } finally {
    db.close()
  }
}

function rowCount(dataDir: string): number {
  try {
    const db = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
    try {
      return (db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n
    } finally {
      db.close()
    }
  } catch {
    return 0 // not created yet
  }
}

/** A fan-out batch file: input 0 makes the folder (`after: []`), every other input waits for it. */
async function fanOut(
  inputs: number,
  firstMs = 0,
  kind: { template: object; first: object } = { template: { kind: 'sleep', params: { ms: 0 } }, first: { ms: firstMs } },
): Promise<{ batchFile: string; dataDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-stream-names-'))
  dirs.push(dir)
  const batchFile = join(dir, 'batch.json')
  await writeFile(
    batchFile,
    JSON.stringify({
      name: 'fan-out',
      template: { name: '{}', ...kind.template, after: ['make folder'] },
      inputs: [{ name: 'make folder', after: [], ...kind.first }, ...Array.from({ length: inputs - 1 }, (_, i) => `in ${i + 1}`)],
    }),
  )
  return { batchFile, dataDir: join(dir, 'data') }
}

/** Every input has exactly one job and all succeeded; the dependents started after the first job ended. */
function expectAllOnceAfterFirst(dataDir: string, inputs: number): void {
  const all = rows(dataDir)
  expect(all.length).toBe(inputs)
  expect(all.filter((row) => row.state !== 'succeeded').map((row) => `${row.name}: ${row.state}`)).toEqual([])
  expect(all.map((row) => row.input_index).sort((a, b) => a - b)).toEqual(Array.from({ length: inputs }, (_, i) => i))
  const first = all.find((row) => row.name === 'make folder')!
  expect(all.filter((row) => row !== first && row.started_at! < first.ended_at!)).toEqual([])
}

describe('a stream whose inputs wait for one early job, past the window', () => {
  it('runs a fan-out of 25,000 inputs to the end, every job succeeded', async () => {
    const { batchFile, dataDir } = await fanOut(25_000)
    const ran = await run(['run', batchFile, '-q', '--data-dir', dataDir, '--io-concurrency', '8'])
    expect(ran.err).not.toContain('no job named')
    expect(ran.code).toBe(0)
    expectAllOnceAfterFirst(dataDir, 25_000)
  }, 240_000)

  it('kill -9 past the window, then --resume: the inputs read on find the early job in the database', async () => {
    const INPUTS = 30_000
    const { batchFile, dataDir } = await fanOut(INPUTS)
    const first = await run(
      ['run', batchFile, '--json', '--data-dir', dataDir, '--io-concurrency', '8'],
      (n) => n >= 12_000 && rowCount(dataDir) > 11_000,
    )
    expect(first.signal).toBe('SIGKILL')
    const before = rows(dataDir)
    expect(before.length).toBeGreaterThan(10_000)
    expect(before.length).toBeLessThan(INPUTS)
    expect(before.find((row) => row.name === 'make folder')!.state).toBe('succeeded')

    const second = await run(['run', batchFile, '--json', '--resume', '--data-dir', dataDir, '--io-concurrency', '8'])
    expect(second.err).not.toContain('no job named')
    expect(second.code).toBe(0)
    expect(JSON.parse(second.out.trim().split('\n').at(-1)!).summary).toMatchObject({ total: INPUTS, succeeded: INPUTS })
    expectAllOnceAfterFirst(dataDir, INPUTS)
  }, 240_000)

  it('kill -9 while the early job runs, then --resume: it runs again and every input waits for it', async () => {
    const INPUTS = 12_000
    // The first job sleeps, so the window fills with 10,000 waiting jobs and the reading stops there.
    const { batchFile, dataDir } = await fanOut(INPUTS, 6_000)
    const first = await run(['run', batchFile, '-q', '--data-dir', dataDir], () => rowCount(dataDir) >= 10_000)
    expect(first.signal).toBe('SIGKILL')
    const before = rows(dataDir)
    expect(before.length).toBe(10_000)
    expect(before.find((row) => row.name === 'make folder')!.state).not.toBe('succeeded')

    const second = await run(['run', batchFile, '--json', '--resume', '--data-dir', dataDir])
    expect(second.err).not.toContain('no job named')
    expect(second.code).toBe(0)
    expectAllOnceAfterFirst(dataDir, INPUTS)
  }, 240_000)

  it('kill -9 past the window after the early job failed, then --resume: the inputs read on end unrun, naming it', async () => {
    const INPUTS = 30_000
    // Shell jobs, but only the first runs: every other one ends unrun at once.
    const { batchFile, dataDir } = await fanOut(INPUTS, 0, {
      template: { kind: 'shell', params: { argv: ['true'] } },
      first: { argv: ['false'] },
    })
    const first = await run(['run', batchFile, '--json', '--data-dir', dataDir], (n) => n >= 12_000 && rowCount(dataDir) > 11_000)
    expect(first.signal).toBe('SIGKILL')
    const before = rows(dataDir)
    expect(before.length).toBeGreaterThan(10_000)
    expect(before.length).toBeLessThan(INPUTS)

    const second = await run(['run', batchFile, '--json', '--resume', '--data-dir', dataDir])
    expect(second.err).not.toContain('no job named')
    expect(second.code).not.toBe(2)
    const all = rows(dataDir)
    expect(all.length).toBe(INPUTS)
    expect(all.map((row) => row.input_index).sort((a, b) => a - b)).toEqual(Array.from({ length: INPUTS }, (_, i) => i))
    expect(all.find((row) => row.name === 'make folder')!.state).toBe('failed')
    const db = new DatabaseSync(join(dataDir, 'corelane.db'), { readOnly: true })
    try {
      const unrun = db
        .prepare(
          `SELECT count(*) AS n FROM jobs WHERE state = 'cancelled' AND json_extract(error, '$.code') = 'dependency-failed'
            AND json_extract(error, '$.message') = 'not run: it waits for "make folder", which failed'`,
        )
        .get() as { n: number }
      expect(unrun.n).toBe(INPUTS - 1)
    } finally {
      db.close()
    }
  }, 240_000)
})
