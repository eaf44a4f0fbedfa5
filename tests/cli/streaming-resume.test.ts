// kill -9 of the CLI in the middle of a streamed batch (a lines file several times the feed's
// window, so the run spans several chunks), then `corelane run --resume`: every input ends up
// with exactly one job, all succeeded, in one batch, and the resumed run runs exactly the
// inputs the first one had not recorded as succeeded.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { JobStore } from '../../src/main/engine/index.ts'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')
const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

const INPUTS = 30_000

describe('kill -9 and --resume of a streamed batch', () => {
  it('loses no input and repeats no recorded success', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corelane-stream-resume-'))
    dirs.push(dir)
    const dataDir = join(dir, 'data')
    await writeFile(join(dir, 'inputs.txt'), Array.from({ length: INPUTS }, (_, i) => `${i}\n`).join(''))
    const batchFile = join(dir, 'batch.json')
    await writeFile(
      batchFile,
      JSON.stringify({
        name: 'streamed',
        template: { name: 'in {}', kind: 'sleep', params: { ms: 1 } },
        inputs: { lines: 'inputs.txt' },
      }),
    )

    // 1 ms sleeps, 4 at a time: slow enough (about 4,000 a second) that the kill lands mid-stream.
    const first = spawn(process.execPath, [CLI, 'run', batchFile, '--json', '--data-dir', dataDir, '--io-concurrency', '4'])
    let doneBeforeKill = 0
    let partial = ''
    await new Promise<void>((done) => {
      first.stdout.on('data', (chunk: Buffer) => {
        partial += chunk.toString()
        const lines = partial.split('\n')
        partial = lines.pop()!
        doneBeforeKill += lines.length
        // Past two chunks of the window, well before the end.
        if (doneBeforeKill >= 12_000 && first.exitCode === null) first.kill('SIGKILL')
      })
      first.on('exit', () => done())
    })
    expect(first.signalCode).toBe('SIGKILL')
    expect(doneBeforeKill).toBeLessThan(INPUTS)
    // What the first run got into the database as succeeded (the last ~100 ms of results may not have).
    const afterKill = await JobStore.open({ dataDir })
    const recorded = new Set((await afterKill.history({ state: 'succeeded', limit: INPUTS })).jobs.map((j) => j.name))
    await afterKill.close()
    expect(recorded.size).toBeGreaterThan(0)

    const second = spawn(process.execPath, [CLI, 'run', batchFile, '--json', '--resume', '--data-dir', dataDir])
    let out = ''
    second.stdout.on('data', (chunk: Buffer) => (out += chunk))
    const code = await new Promise<number | null>((done) => second.on('exit', (c) => done(c)))
    expect(code).toBe(0)
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.at(-1).summary).toMatchObject({ total: INPUTS, succeeded: INPUTS, failed: 0 })
    // The resumed run did only what was left: what the first run had recorded as succeeded stays done.
    const resumedNames = new Set(lines.slice(0, -1).map((l) => l.name as string))
    expect(resumedNames.size).toBe(lines.length - 1)

    // The database holds one job per input, every one succeeded, across the run's batches.
    const store = await JobStore.open({ dataDir })
    const page = await store.history({ limit: INPUTS + 10 })
    const succeeded = await store.history({ state: 'succeeded', limit: 1 })
    await store.close()
    expect(page.total).toBe(INPUTS)
    expect(succeeded.total).toBe(INPUTS)
    const names = new Set(page.jobs.map((j) => j.name))
    expect(names.size).toBe(INPUTS)
    // One batch for the whole stream, the resumed run's jobs included.
    expect(new Set(page.jobs.map((j) => j.batchId)).size).toBe(1)
    // Every job the resumed run printed was one the first run had not recorded as succeeded.
    expect([...resumedNames].filter((name) => recorded.has(name))).toEqual([])
    expect(resumedNames.size).toBe(INPUTS - recorded.size)
  }, 180_000)
})
