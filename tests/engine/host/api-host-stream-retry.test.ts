// The window's "retry failed" on a streamed batch with dependencies, through the API host on a
// real persistent engine (SQLite in its worker, real shell processes): as the Batches panel
// does it (the batch's failed jobs listed with listJobs, then one retry command), the failed
// job runs again and the jobs it had stopped come back and run after it.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JobView } from '../../../src/shared/job.ts'
import type { ValidJobSpec } from '../../../src/shared/schemas.ts'
import type { IndexedSpec } from '../../../src/main/engine/submission.ts'
import { until } from '../fixture.ts'
import { ok, usePersistentApi } from './persistent-api.ts'

const ctx = usePersistentApi('corelane-api-stream-retry-', 2)

const sh = (name: string, command: string, after?: string[]) =>
  ({ name, kind: 'shell', params: { argv: [command], shell: true }, ...(after ? { after } : {}) }) as unknown as ValidJobSpec

describe('"retry failed" of a streamed batch from the window', () => {
  it('runs the failed job again, then what it had stopped', async () => {
    const { engine } = ctx.opened
    const marker = join(ctx.dir, 'fixed')
    let more!: () => void
    const held = new Promise<void>((resolve) => (more = resolve))
    // The stream stays open (a long one still being read) while the user retries.
    const specs = async function* (): AsyncGenerator<IndexedSpec> {
      yield { index: 0, spec: sh('fetch', `test -f ${marker}`) }
      yield { index: 1, spec: sh('parse', 'true', ['fetch']) }
      yield { index: 2, spec: sh('report', 'true', ['fetch', 'parse']) }
      await held
    }
    const views = new Map<string, JobView>()
    engine.onJobSettled((job) => views.set(job.name, job))
    const stream = engine.submitStream({ name: 'pipeline', window: 20, dependencies: true, specs: specs() })
    await until(() => views.size === 3, 20_000, 'the stream’s jobs to settle')
    expect(views.get('report')!.state).toBe('cancelled')

    await writeFile(marker, '')
    const failed = ok<{ jobs: JobView[] }>(await ctx.api.handle('listJobs', { batchId: stream.batchId, state: 'failed' }))
    expect(failed.jobs.map((job) => job.name)).toEqual(['fetch'])
    expect(ok<{ retried: number }>(await ctx.api.handle('retry', { ids: failed.jobs.map((job) => job.id) })).retried).toBe(1)
    await until(() => views.get('report')!.state === 'succeeded', 20_000, 'report to run again')
    const [fetch, parse, report] = ['fetch', 'parse', 'report'].map((name) => views.get(name)!)
    expect([fetch!.state, parse!.state]).toEqual(['succeeded', 'succeeded'])
    expect(parse!.startedAt!).toBeGreaterThanOrEqual(fetch!.endedAt!)
    expect(report!.startedAt!).toBeGreaterThanOrEqual(parse!.endedAt!)
    more()
    await stream.done
  }, 60_000)
})
