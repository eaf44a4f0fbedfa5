// A timeout longer than a timer can hold (issue 16, item 8): over 2^31 − 1 ms Node fires a
// timer at once, so a 25-day timeout timed out immediately. The schema caps timeoutMs below
// that, leaving room for the watchdog the engine arms at timeoutMs plus its grace, and the
// longest accepted timeout does not fire early on a real engine.
import { describe, expect, it } from 'vitest'
import { MAX_TIMEOUT_MS } from '../../../src/shared/schemas.ts'
import { ValidationError } from '../../../src/shared/validate.ts'
import { makeEngine } from '../fixture.ts'

describe('long timeouts', () => {
  it('refuses a timeout past what a timer holds, naming the limit', async () => {
    const { engine } = await makeEngine()
    const refused = await engine
      .submit({ jobs: [{ kind: 'sleep', params: { ms: 10 }, timeoutMs: 2 ** 31 }] })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).problems).toEqual([
      { field: 'jobs[0].timeoutMs', message: expect.stringMatching(/at most 2073600000 ms/) },
    ])
  })

  it('the longest accepted timeout does not fire early, on a thread and on a process', async () => {
    const { engine } = await makeEngine({ graceMs: 5000 })
    for (const executor of ['thread', 'process'] as const) {
      const job = await engine.run({ kind: 'sleep', params: { ms: 300 }, lane: 'cpu', executor, timeoutMs: MAX_TIMEOUT_MS })
      expect(job, executor).toMatchObject({ state: 'succeeded' })
    }
  })
})
