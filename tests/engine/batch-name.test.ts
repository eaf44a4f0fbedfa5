// A batch submitted without a name is named from its jobs ("300 × noop", "3 kinds"), and
// whether any job waits for another is known, from the one sliced pass that checks the jobs
// (submission.ts): the engine no longer walks the whole list twice more before its first yield.
import { describe, expect, it } from 'vitest'
import { KindTally } from '../../src/main/engine/batch.ts'
import { checkSubmission } from '../../src/main/engine/submission.ts'
import { makeEngine } from './fixture.ts'

describe('a batch named from its jobs', () => {
  it('names a template × count and a list by their kinds, as the engine shows them', async () => {
    const { engine } = await makeEngine({ paused: true })
    const count = await engine.submit({ template: { kind: 'noop', params: {} }, count: 300 })
    const mixed = await engine.submit({
      jobs: [
        { kind: 'noop', params: {} },
        { kind: 'sleep', params: { ms: 1 } },
        { kind: 'noop', params: {} },
        { kind: 'sum-squares', params: { n: 10 } },
      ],
    })
    const named = await engine.submit({ name: 'mine', jobs: [{ kind: 'noop', params: {} }] })
    const names = new Map(engine.batches().map((b) => [b.id, b.name]))
    expect(names.get(count.batchId)).toBe('300 × noop')
    expect(names.get(mixed.batchId)).toBe('4 × 3 kinds')
    expect(names.get(named.batchId)).toBe('mine')
  })

  it('notes whether some job waits for another while it checks them', async () => {
    const plain = await checkSubmission({
      jobs: [
        { kind: 'noop', params: {} },
        { kind: 'noop', params: {} },
      ],
    })
    expect(plain.withAfter).toBe(false)
    const linked = await checkSubmission({
      jobs: [
        { name: 'a', kind: 'noop', params: {} },
        { name: 'b', kind: 'noop', params: {}, after: ['a'] },
      ],
    })
    expect(linked.withAfter).toBe(true)
    expect(linked.defaultName).toBe('2 × noop')
    const template = await checkSubmission({ template: { kind: 'noop', params: {}, after: ['x'] }, count: 2 })
    expect(template.withAfter).toBe(true)
  })

  it('lists at most 20 kinds', () => {
    const tally = new KindTally()
    for (let i = 0; i < 25; i++) tally.add(`kind-${i % 25}`)
    tally.add('kind-0') // seen before, after others: not counted twice
    expect(tally.name(26)).toBe('26 × 20+ kinds')
    const few = new KindTally()
    for (const kind of ['a', 'b', 'a', 'c', 'b']) few.add(kind)
    expect(few.name(5)).toBe('5 × 3 kinds')
  })
})
