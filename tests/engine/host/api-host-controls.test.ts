// The window's side of the batch controls, through the API host on a real persistent engine:
// a submit with `halt` stops its batch, and History exports GNU parallel's joblog.
import { describe, expect, it } from 'vitest'
import { JOBLOG_HEADER } from '../../../src/shared/export.ts'
import { ok, usePersistentApi } from './persistent-api.ts'

const ctx = usePersistentApi('corelane-api-controls-', 1)

const sh = (command: string) => ({ kind: 'shell', params: { argv: [command], shell: true } })

describe('batch controls from the window', () => {
  it('halts a submitted batch by its rule', async () => {
    const { jobIds } = ok<{ jobIds: number[] }>(
      await ctx.api.handle('submit', { halt: 'soon,fail=1', jobs: [sh('exit 5'), sh('true'), sh('true')] }),
    )
    await ctx.opened.engine.whenSettled(jobIds)
    expect(jobIds.map((id) => ctx.opened.engine.getJob(id)!.state)).toEqual(['failed', 'cancelled', 'cancelled'])
  })

  it('passes the start gates to the engine: a delay spaces the batch’s starts; a bad size is refused by name', async () => {
    const { jobIds } = ok<{ jobIds: number[] }>(
      await ctx.api.handle('submit', { delay: '0.2s', template: { kind: 'noop', params: {} }, count: 3 }),
    )
    await ctx.opened.engine.whenSettled(jobIds)
    const starts = jobIds.map((id) => ctx.opened.engine.getJob(id)!.startedAt!).sort((a, b) => a - b)
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(2 * 200 * 0.9)
    const bad = await ctx.api.handle('submit', { memFree: 'plenty', jobs: [sh('true')] })
    expect(!bad.ok && bad.error.fields?.[0]?.field).toBe('memFree')
  })

  it('refuses a halt that is not a rule, naming the field', async () => {
    const bad = await ctx.api.handle('submit', { halt: 'sometimes', jobs: [sh('true')] })
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.error.fields?.[0]?.field).toBe('halt')
  })

  it('exports History as a joblog: header, one line per job that ran, commands and exit values', async () => {
    const { jobIds, batchId } = ok<{ jobIds: number[]; batchId: number }>(
      await ctx.api.handle('submit', { name: 'for the joblog', jobs: [sh('echo hi'), sh('exit 7')] }),
    )
    await ctx.opened.engine.whenSettled(jobIds)
    await ctx.opened.engine.flushStore()
    const out = ok<{ text: string; fileName: string; count: number }>(
      await ctx.api.handle('exportHistory', { format: 'joblog', batchId }),
    )
    expect(out.fileName).toMatch(/\.joblog$/)
    expect(out.text.startsWith(JOBLOG_HEADER)).toBe(true)
    const rows = out.text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'))
    const byId = new Map(rows.map((r) => [Number(r[0]), r]))
    expect(byId.get(jobIds[0]!)!.slice(4)).toEqual(['0', '3', '0', '0', 'echo hi'])
    expect(byId.get(jobIds[1]!)!.slice(4)).toEqual(['0', '0', '7', '0', 'exit 7'])
    expect(rows).toHaveLength(2)
    // The whole history: the halted batch's jobs that never started are not in it (GNU parallel logs jobs that ran).
    const all = ok<{ text: string }>(await ctx.api.handle('exportHistory', { format: 'joblog' }))
    expect(all.text.split('\n').filter((line) => line.endsWith('\ttrue'))).toHaveLength(0)
    expect(all.text.split('\n').filter((line) => line.endsWith('\texit 5'))).toHaveLength(1)
  })
})
