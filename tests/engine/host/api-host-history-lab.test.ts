// The API host's history, export, kill-worker and lab commands, on a real persistent engine
// (SQLite in its worker) and real workers.
import { describe, expect, it } from 'vitest'
import { ok, usePersistentApi } from './persistent-api.ts'

const ctx = usePersistentApi('corelane-api-extra-', 2, (dir) => ({ lab: { dataDir: dir } }))

describe('history and export', () => {
  it('pages, filters and exports past jobs as CSV and JSON', async () => {
    const { jobIds } = ok<{ jobIds: number[] }>(
      await ctx.api.handle('submit', { template: { name: 'n={}', kind: 'sum-squares', params: { n: '{}' } }, inputs: [1, 2, 3] }),
    )
    await ctx.opened.engine.whenSettled(jobIds)
    await ctx.opened.engine.run({ name: 'boom, "quoted"', kind: 'shell', params: { argv: ['false'] } })
    await ctx.opened.engine.flushStore()
    const page = ok<{ total: number; jobs: { name: string; state: string }[] }>(await ctx.api.handle('history', { limit: 2 }))
    expect(page.total).toBe(4)
    expect(page.jobs.map((j) => j.name)).toEqual(['boom, "quoted"', 'n=3'])
    const csv = ok<{ text: string; fileName: string; count: number }>(
      await ctx.api.handle('exportHistory', { format: 'csv', state: 'failed' }),
    )
    expect(csv.fileName).toMatch(/\.csv$/)
    const lines = csv.text.trim().split('\r\n')
    expect(lines[0]!.startsWith('id,batchId,name,kind,state')).toBe(true)
    expect(lines[1]).toContain('"boom, ""quoted"""')
    expect(lines[1]).toContain('exit-code')
    const json = ok<{ text: string }>(await ctx.api.handle('exportHistory', { format: 'json', kind: 'sum-squares' }))
    expect(
      JSON.parse(json.text)
        .map((j: { result: { sum: string } }) => j.result.sum)
        .sort(),
    ).toEqual(['0', '1', '5'])
    // An export without a limit holds every matching job, not one page of them.
    const many = ok<{ jobIds: number[] }>(await ctx.api.handle('submit', { template: { kind: 'noop', params: {} }, count: 250 }))
    await ctx.opened.engine.whenSettled(many.jobIds)
    await ctx.opened.engine.flushStore()
    expect(ok<{ count: number }>(await ctx.api.handle('exportHistory', { format: 'json', kind: 'noop' })).count).toBe(250)
    const bad = await ctx.api.handle('exportHistory', { format: 'xlsx' })
    expect(bad.ok === false && bad.error.fields?.[0]?.field).toBe('format')
  })
})

describe('kill a worker', () => {
  it('fails only the job it was running, and a new worker takes over', async () => {
    const { jobIds } = ok<{ jobIds: number[] }>(
      await ctx.api.handle('submit', {
        jobs: [
          { kind: 'sum-squares', params: { n: 3e9 } },
          { kind: 'sum-squares', params: { n: 10 } },
        ],
      }),
    )
    const started = Date.now()
    while (ctx.opened.engine.getJob(jobIds[0]!)!.state !== 'running' && Date.now() - started < 10_000)
      await new Promise((r) => setTimeout(r, 10))
    const workerId = ctx.opened.engine.getJob(jobIds[0]!)!.workerId!
    expect(ok<{ killed: boolean }>(await ctx.api.handle('killWorker', { id: workerId }))).toEqual({ killed: true })
    await ctx.opened.engine.whenSettled(jobIds)
    expect(ctx.opened.engine.getJob(jobIds[0]!)).toMatchObject({ state: 'failed', error: { code: 'worker-crashed' } })
    expect(ctx.opened.engine.getJob(jobIds[1]!)!.state).toBe('succeeded')
    expect(ok<{ killed: boolean }>(await ctx.api.handle('killWorker', { id: 999_999 }))).toEqual({ killed: false })
  })
})

describe('lab', () => {
  it('lists the experiments and runs one, reporting progress; a second run at once is refused', async () => {
    const experiments = ok<{ id: string }[]>(await ctx.api.handle('labExperiments', {}))
    expect(experiments.map((e) => e.id)).toEqual([
      'sleep-pool',
      'gather-fetch',
      'cpu-parallel',
      'cpu-sequential',
      'timers-10k',
      'startup-cost',
    ])
    const notes: string[] = []
    const stop = ctx.api.subscribe((event, payload) => {
      if (event === 'lab') notes.push((payload as { note: string }).note)
    })
    const running = ctx.api.handle('labRun', { experiment: 'gather-fetch', scale: 'quick' })
    const second = await ctx.api.handle('labRun', { experiment: 'sleep-pool', scale: 'quick' })
    expect(second.ok).toBe(false)
    const result = ok<{ strategies: { strategy: string }[]; explanation: string }>(await running)
    stop()
    expect(result.strategies.map((s) => s.strategy)).toEqual(['sequential', 'async'])
    expect(result.explanation).toContain('Gathered')
    expect(notes.length).toBeGreaterThanOrEqual(2)
    const bad = await ctx.api.handle('labRun', { experiment: 'nope' })
    expect(bad.ok === false && bad.error.fields?.[0]?.field).toBe('experiment')
  })
})
