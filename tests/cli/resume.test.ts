// How --resume counts what a cut-short submit left out (src/cli/resume.ts), for the three
// kinds of stored batch: with a recorded total, without one (older batches: complete), and
// marked incomplete without a total (inputs expanded lazily, counted only at the end).
import { describe, expect, it } from 'vitest'
import { missingJobs, requestFrom, type ResumePlan } from '../../src/cli/resume.ts'
import { InputError } from '../../src/cli/batch-file.ts'

function plan(root: Partial<ResumePlan['root']>, stored: number): ResumePlan {
  const batch = { id: 1, name: 'b', createdAt: 0, source: '/b.json', total: null, root: null, complete: null, stored, ...root }
  return { batches: [batch], root: batch, expected: batch.total ?? null, stored }
}

describe('missingJobs', () => {
  it('with a recorded total: the jobs never written, and a changed file is refused', () => {
    expect(missingJobs(plan({ total: 10, complete: false }, 4), { count: 10 }, 'b.json')).toBe(6)
    expect(missingJobs(plan({ total: 10, complete: true }, 10), { count: 10 }, 'b.json')).toBe(0)
    expect(() => missingJobs(plan({ total: 10 }, 4), { count: 11 }, 'b.json')).toThrow(InputError)
  })

  it('without a total: complete, unless marked incomplete (then the file says how many)', () => {
    expect(missingJobs(plan({}, 4), { count: 10 }, 'b.json')).toBe(0)
    expect(missingJobs(plan({ complete: false }, 4), { inputs: [1, 2, 3, 4, 5, 6] }, 'b.json')).toBe(2)
  })

  it('requestFrom keeps the order: the rest of a list, of inputs, or of a count', () => {
    expect(requestFrom({ jobs: [{ kind: 'a' }, { kind: 'b' }, { kind: 'c' }] }, 2).jobs).toEqual([{ kind: 'c' }])
    expect(requestFrom({ template: { kind: 'noop' }, inputs: [1, 2, 3] }, 1).inputs).toEqual([2, 3])
    expect(requestFrom({ template: { kind: 'noop' }, count: 5 }, 2).count).toBe(3)
  })
})
