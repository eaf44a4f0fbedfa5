// Object inputs' own `after` in a stream the engine pulls (submitStream over streamSubmission),
// on a real engine with real workers: each job waits for the earlier inputs it names, and a
// stream that was started without remembering names refuses a job with `after` instead of
// running it before what it waits for.
import { describe, expect, it } from 'vitest'
import type { ValidJobSpec } from '../../src/shared/schemas.ts'
import { ValidationError } from '../../src/shared/validate.ts'
import { streamNamesDependencies, streamSubmission, type IndexedSpec } from '../../src/main/engine/submission.ts'
import type { Engine } from '../../src/main/engine/index.ts'
import { makeEngine } from './fixture.ts'

/** Every job of the engine as it settles, by name (a stream drops finished jobs from memory). */
function settledByName(engine: Engine) {
  const jobs = new Map<string, { state: string; startedAt: number | null; endedAt: number | null }>()
  engine.onJobSettled((job) => void jobs.set(job.name, { state: job.state, startedAt: job.startedAt, endedAt: job.endedAt }))
  return jobs
}

const rejection = (done: Promise<void>) =>
  done.then(
    () => null,
    (e: unknown) => e,
  )

describe('object inputs with their own after, streamed', () => {
  it('each job starts after the earlier inputs it names, under 2 slots', async () => {
    const { engine } = await makeEngine()
    const template = { kind: 'sleep', params: { ms: 1 }, after: ['setup'] }
    const inputs = [
      { name: 'setup', after: [], ms: 150 },
      { name: 'fetch a', ms: 120 },
      { name: 'fetch b', ms: 60 },
      { name: 'parse a', after: ['fetch a'] },
      { name: 'report', after: ['parse a', 'fetch b'] },
    ]
    const jobs = settledByName(engine)
    const stream = engine.submitStream({
      window: 4,
      dependencies: streamNamesDependencies(template, undefined, inputs),
      specs: streamSubmission({ template, inputs }),
    })
    await stream.done
    const after = (dependent: string, dependency: string) =>
      expect(jobs.get(dependent)!.startedAt!, `${dependent} after ${dependency}`).toBeGreaterThanOrEqual(
        jobs.get(dependency)!.endedAt!,
      )
    expect([...jobs.values()].map((job) => job.state)).toEqual(Array(5).fill('succeeded'))
    after('fetch a', 'setup')
    after('fetch b', 'setup')
    after('parse a', 'fetch a')
    after('report', 'parse a')
    after('report', 'fetch b')
  }, 30_000)

  it('a stream started without names refuses a job with after, naming the field, and does not run it', async () => {
    const { engine } = await makeEngine()
    async function* specs(): AsyncGenerator<IndexedSpec> {
      yield { index: 0, spec: { kind: 'noop', params: {}, name: 'a' } as ValidJobSpec }
      yield { index: 1, spec: { kind: 'noop', params: {}, name: 'b', after: ['a'] } as ValidJobSpec }
    }
    const jobs = settledByName(engine)
    const stream = engine.submitStream({ specs: specs() })
    const error = await rejection(stream.done)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).problems[0]!.field).toBe('inputs[1].after')
    expect([...jobs.keys()]).toEqual(['a'])
  }, 30_000)
})
