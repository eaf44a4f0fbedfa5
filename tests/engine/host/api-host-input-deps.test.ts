// The window's path for dependencies in a template: the submit the job form makes of its inputs
// box (a shell template over JSON object lines, each with its own `name` and `after`; the form's
// side is tests/renderer/job-form-after.test.ts), sent to the API host over a real persistent
// engine with 2 slots and real processes. Order
// holds, a failure stops what waits for it, the window's Retry of the failed job brings them
// back and they run once it succeeds; an unknown name is refused naming the input's field.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ok, usePersistentApi } from './persistent-api.ts'

const ctx = usePersistentApi('corelane-api-input-deps-', 2)

/** The submit the form builds for a shell template (argv `true`) over these input lines. */
const formSubmit = (lines: object[]) => ({ template: { kind: 'shell', params: { argv: ['true'] } }, inputs: lines })

const line = (name: string, command: string, after?: string[]) => ({
  name,
  argv: ['sh', '-c', command],
  ...(after ? { after } : {}),
})

describe('dependencies between template inputs from the window', () => {
  it('keeps the order, stops dependents of a failure, and Retry brings them back', async () => {
    const marker = join(ctx.dir, 'fixed')
    const payload = formSubmit([
      line('build', 'sleep 0.3'),
      line('test', `test -f ${marker}`, ['build']),
      line('package', 'true', ['test']),
      line('docs', 'sleep 0.1', ['build']),
    ])
    const { jobIds } = ok<{ jobIds: number[] }>(await ctx.api.handle('submit', payload))
    const engine = ctx.opened.engine
    await engine.whenSettled(jobIds)
    const [build, test, pack, docs] = jobIds.map((id) => engine.getJob(id)!)
    expect([build!.state, test!.state, docs!.state]).toEqual(['succeeded', 'failed', 'succeeded'])
    expect(test!.startedAt!).toBeGreaterThanOrEqual(build!.endedAt!)
    expect(docs!.startedAt!).toBeGreaterThanOrEqual(build!.endedAt!)
    expect(pack).toMatchObject({
      state: 'cancelled',
      startedAt: null,
      error: { code: 'dependency-failed', message: 'not run: it waits for "test", which failed' },
    })

    await writeFile(marker, '')
    expect(ok<{ retried: number }>(await ctx.api.handle('retry', { ids: [test!.id] })).retried).toBe(1)
    await engine.whenSettled([test!.id, pack!.id])
    const [again, packed] = [engine.getJob(test!.id)!, engine.getJob(pack!.id)!]
    expect([again.state, packed.state]).toEqual(['succeeded', 'succeeded'])
    expect(packed.startedAt!).toBeGreaterThanOrEqual(again.endedAt!)
  })

  it('refuses an unknown name naming the input, and queues nothing', async () => {
    const before = ctx.opened.engine.listJobs().total
    const refused = await ctx.api.handle('submit', formSubmit([line('fetch a', 'true'), line('parse a', 'true', ['fetch b'])]))
    expect(refused.ok).toBe(false)
    expect(!refused.ok && refused.error.fields?.[0]).toEqual({
      field: 'inputs[1].after[0]',
      message: 'no job named "fetch b" in this batch',
    })
    expect(ctx.opened.engine.listJobs().total).toBe(before)
  })
})
