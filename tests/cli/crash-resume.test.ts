// Nothing lost: `kill -9` of the engine's own process (the CLI) in the middle of a batch, then
// `corelane run --resume`: every job is accounted for exactly once and the requeued ones complete.
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

describe('kill -9 and resume', () => {
  it('accounts for every job after the CLI is killed mid-batch, and completes the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corelane-resume-'))
    dirs.push(dir)
    const dataDir = join(dir, 'data')
    const batchFile = join(dir, 'batch.json')
    const jobs = [
      ...Array.from({ length: 30 }, (_, i) => ({ name: `sleep ${i}`, kind: 'sleep', params: { ms: 150 } })),
      ...Array.from({ length: 6 }, (_, i) => ({ name: `squares ${i}`, kind: 'sum-squares', params: { n: 3e7 }, executor: i % 2 ? 'process' : 'thread' })),
    ]
    await writeFile(batchFile, JSON.stringify({ name: 'resumable', jobs }))

    // First run: slow enough to kill in the middle (3 I/O jobs at a time).
    const first = spawn(process.execPath, [CLI, 'run', batchFile, '--json', '--data-dir', dataDir, '--io-concurrency', '3'])
    let finishedBeforeKill = 0
    await new Promise<void>((done) => {
      first.stdout.on('data', (chunk: Buffer) => {
        finishedBeforeKill += chunk.toString().split('\n').filter(Boolean).length
        if (finishedBeforeKill >= 8) first.kill('SIGKILL')
      })
      first.on('exit', () => done())
    })
    expect(first.signalCode).toBe('SIGKILL')

    // Second run: resume the same batch file.
    const second = spawn(process.execPath, [CLI, 'run', batchFile, '--json', '--resume', '--data-dir', dataDir])
    let out = ''
    second.stdout.on('data', (chunk: Buffer) => (out += chunk))
    const code = await new Promise<number | null>((done) => second.on('exit', (c) => done(c)))
    expect(code).toBe(0)
    const lines = out.trim().split('\n').map((line) => JSON.parse(line))
    const summary = lines.at(-1).summary
    expect(summary).toMatchObject({ total: jobs.length, succeeded: jobs.length, failed: 0 })
    // The resumed run did only what was left (some may re-run if killed before being recorded).
    expect(lines.length - 1).toBeLessThan(jobs.length)

    // The database holds each job exactly once, all succeeded, in one batch.
    const store = await JobStore.open({ dataDir })
    const page = await store.history({ limit: 1000 })
    await store.close()
    expect(page.total).toBe(jobs.length)
    expect(new Set(page.jobs.map((j) => j.name)).size).toBe(jobs.length)
    expect(page.jobs.every((j) => j.state === 'succeeded' && j.batchId === page.jobs[0]!.batchId)).toBe(true)
  })
})
