// `--resume` works from the database for any batch of any size: a 70,000-job batch whose
// cancelled jobs are older than the newest 50,000 finished ones, and a batch older than
// another big batch. Totals are the whole batch's, the requeued jobs run, the CLI exits.
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { JobStore } from '../../../src/main/engine/index.ts'
import type { JobRowTuple } from '../../../src/main/engine/store/rows.ts'
import { runCli, tempDir } from './helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const CANCELLED = JSON.stringify({ code: 'cancelled', message: 'cancelled by the user' })

function row(id: number, batchId: number, state: 'succeeded' | 'cancelled'): JobRowTuple {
  const t = 1_700_000_000_000 + id
  return [
    id,
    batchId,
    null,
    'noop',
    '{}',
    'io',
    'thread',
    0,
    state,
    1,
    0,
    0,
    0,
    1,
    null,
    t,
    t,
    t + 1,
    state === 'succeeded' ? 'null' : null,
    null,
    state === 'cancelled' ? CANCELLED : null,
    0,
    id,
    null,
    null,
    null,
  ]
}

/**
 * Writes stored batches through the real store: `batches` of [source, jobs, how many of the
 * first are cancelled]. Without a recorded total, as batches from before totals were kept.
 */
async function seed(dataDir: string, batches: [string, number, number][]): Promise<void> {
  await mkdir(dataDir, { recursive: true })
  const store = await JobStore.open({ dataDir })
  let id = 1
  for (const [index, [source, count, cancelled]] of batches.entries()) {
    const batchId = index + 1
    const rows: JobRowTuple[] = []
    for (let i = 0; i < count; i++) rows.push(row(id++, batchId, i < cancelled ? 'cancelled' : 'succeeded'))
    store.write(rows, [{ id: batchId, name: `batch ${batchId}`, createdAt: Date.now(), source }])
  }
  await store.flush()
  expect((await store.history({ limit: 1 })).total).toBe(id - 1)
  await store.close()
}

async function resume(
  batch: string,
  dataDir: string,
): Promise<{ code: number | null; summary: Record<string, unknown>; stderr: string; lines: number }> {
  const run = runCli(['run', batch, '--resume', '--json', '--data-dir', dataDir])
  cleanup.push(async () => void run.child.kill('SIGKILL'))
  const { code } = await run.exit
  const lines = run.stdout.trim().split('\n')
  return { code, summary: JSON.parse(lines.at(-1)!).summary, stderr: run.stderr, lines: lines.length - 1 }
}

describe('--resume from the database', () => {
  it('resumes a 70,000-job batch whose cancelled jobs are older than the newest 50,000 finished ones', async () => {
    const dir = await tempDir('corelane-bigresume-', cleanup)
    const batch = join(dir, 'big.json')
    await writeFile(batch, JSON.stringify({ template: { kind: 'noop' }, count: 70_000 }))
    const dataDir = join(dir, 'data')
    await seed(dataDir, [[resolve(batch), 70_000, 100]])
    const result = await resume(batch, dataDir)
    expect(result.code).toBe(0)
    expect(result.summary).toMatchObject({ total: 70_000, succeeded: 70_000, cancelled: 0, batchId: 1 })
    expect(result.lines).toBe(100)
  })

  it('resumes a batch older than another big batch, without a TypeError or a hang', async () => {
    const dir = await tempDir('corelane-oldresume-', cleanup)
    const batch = join(dir, 'old.json')
    await writeFile(batch, JSON.stringify({ template: { kind: 'noop' }, count: 20 }))
    const dataDir = join(dir, 'data')
    await seed(dataDir, [
      [resolve(batch), 20, 5],
      [resolve(join(dir, 'other.json')), 60_000, 0],
    ])
    const result = await resume(batch, dataDir)
    expect(result.stderr).not.toMatch(/TypeError/)
    expect(result.code).toBe(0)
    expect(result.summary).toMatchObject({ total: 20, succeeded: 20, batchId: 1 })
    expect(result.lines).toBe(5)
  })
})
