// A template's `after` and an object input's own: what applyTemplate makes of them, and how
// the shared check names a bad one. (End to end: tests/cli/controls-deps-inputs.test.ts.)
import { describe, expect, it } from 'vitest'
import type { JobSpec } from '../../src/shared/job.ts'
import { applyTemplate, checkJobSpec } from '../../src/shared/schemas.ts'
import { streamNamesDependencies } from '../../src/main/engine/submission.ts'

const template: JobSpec = { kind: 'shell', name: 'step {}', params: { argv: ['true'] }, after: ['setup', 'fetch {}'] }

describe('after in a template', () => {
  it('replaces {} by a plain input, and by an object input’s name, as in the job’s name', () => {
    expect(applyTemplate(template, 'a', 0)).toMatchObject({ name: 'step a', after: ['setup', 'fetch a'] })
    expect(applyTemplate(template, { name: 'b', argv: ['false'] }, 1)).toEqual({
      kind: 'shell',
      name: 'step b',
      params: { argv: ['false'] },
      after: ['setup', 'fetch b'],
    })
  })

  it('an object input’s own after replaces the template’s, [] meaning none; the template is left alone', () => {
    expect(applyTemplate(template, { name: 'c', after: ['step a'] }, 2).after).toEqual(['step a'])
    expect(applyTemplate(template, { name: 'd', after: [] }, 3).after).toEqual([])
    const bare: JobSpec = { kind: 'shell', params: { argv: ['true'] } }
    expect(applyTemplate(bare, { name: 'e', after: ['d'] }, 4)).toEqual({
      kind: 'shell',
      name: 'e',
      params: { argv: ['true'] },
      after: ['d'],
    })
    expect(template.after).toEqual(['setup', 'fetch {}'])
  })

  it('is checked with the envelope, naming the input’s field, never taken as a param', () => {
    const problems = (input: unknown) => {
      const checked = checkJobSpec(applyTemplate(template, input, 3), 'inputs[3]')
      return checked.ok ? [] : checked.problems.map((p) => p.field)
    }
    expect(problems({ name: 'x', after: 'step a' })).toEqual(['inputs[3].after'])
    expect(problems({ name: 'x', after: ['ok', 7] })).toEqual(['inputs[3].after[1]'])
    expect(problems({ name: 'x', after: [''] })).toEqual(['inputs[3].after[0]'])
  })

  it('a stream remembers names when the template, the defaults or a listed object input has an after', () => {
    expect(streamNamesDependencies({ after: ['a'] }, undefined, undefined)).toBe(true)
    expect(streamNamesDependencies({}, { after: ['a'] }, [1])).toBe(true)
    expect(streamNamesDependencies({}, undefined, [1, 'x', { name: 'a' }, { after: [] }])).toBe(true)
    expect(streamNamesDependencies({}, undefined, [1, 'x', { name: 'a' }])).toBe(false)
    expect(streamNamesDependencies({}, undefined, { lines: 'files.txt' })).toBe(false)
  })
})
