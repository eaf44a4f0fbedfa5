import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { plainEnvelope } from '../../src/shared/plain-envelope.ts'
import { checkJobSpec, JobSpecSchema } from '../../src/shared/schemas.ts'

// The shortcut must give exactly what the schema gives (fields, values, their order) or step aside.
const taken: unknown[] = [
  { kind: 'noop' },
  { kind: 'noop', params: {} },
  { kind: 'noop', params: {}, executor: 'thread' },
  { executor: 'process', kind: 'noop', name: 'x'.repeat(200), lane: 'io', params: undefined },
  { kind: 'noop', name: undefined, lane: undefined, executor: undefined },
  { kind: 'not-a-kind', params: {} },
]
const refused: unknown[] = [
  null,
  'noop',
  [],
  { kind: 'noop', params: { ms: 1 } },
  { kind: 'noop', priority: 1 },
  { kind: 'noop', timeoutMs: undefined },
  { kind: 'noop', extra: 1 },
  { kind: 'noop', name: 'x'.repeat(201) },
  { kind: 'noop', name: 3 },
  { kind: 'noop', lane: 'gpu' },
  { kind: 'noop', executor: 'remote' },
  { kind: 1 },
  { params: {} },
  { kind: 'noop', params: null },
  { kind: 'noop', params: [] },
  { kind: 'noop', params: Object.create({ inherited: 1 }) },
  Object.assign(Object.create({ kind: 'noop' })),
  Object.assign(Object.create(null), { kind: 'noop' }),
]

describe('plainEnvelope', () => {
  it.each(taken.map((input) => [JSON.stringify(input) ?? String(input), input]))(
    'builds what the schema builds: %s',
    (_, input) => {
      const mine = plainEnvelope(input)
      const schema = v.safeParse(JobSpecSchema, input)
      expect(schema.success).toBe(true)
      expect(mine).not.toBeNull()
      expect(Object.entries(mine!)).toEqual(Object.entries(schema.output as object))
      // A fresh params object per job: the engine keeps it on the job.
      expect(mine!.params).not.toBe((input as { params?: unknown }).params)
    },
  )

  it.each(refused.map((input) => [JSON.stringify(input) ?? String(input), input]))('leaves to the schema: %s', (_, input) => {
    expect(plainEnvelope(input)).toBeNull()
  })

  it('is what checkJobSpec answers with, and the schema still words every problem', () => {
    expect(checkJobSpec({ kind: 'noop', params: {}, executor: 'thread' }, 'job')).toEqual({
      ok: true,
      job: { executor: 'thread', kind: 'noop', params: {} },
    })
    expect(checkJobSpec({ kind: 'nope' }, 'job')).toMatchObject({ ok: false, problems: [{ field: 'job.kind' }] })
    expect(checkJobSpec({ kind: 'noop', name: 3 }, 'job')).toMatchObject({ ok: false, problems: [{ field: 'job.name' }] })
    // A kind whose params are required is not let through by an empty params.
    expect(checkJobSpec({ kind: 'sleep', params: {} }, 'job')).toMatchObject({ ok: false })
  })
})
