// schema/batch.schema.json is generated from src/shared; this keeps the committed file from going stale.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BATCH_SCHEMA_PATH, buildBatchSchema, paramsDefName, renderBatchSchema } from '../../scripts/write-batch-schema.ts'
import { KIND_NAMES } from '../../src/shared/kinds.ts'

describe('schema/batch.schema.json', () => {
  it('equals freshly generated output (run `npm run schema` after changing src/shared)', () => {
    expect(readFileSync(BATCH_SCHEMA_PATH, 'utf8')).toBe(renderBatchSchema())
  })

  it('is a draft-07 object schema that documents every kind under $defs', () => {
    const schema = buildBatchSchema()
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(schema.type).toBe('object')
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.properties as object)).toEqual(
      expect.arrayContaining(['name', 'defaults', 'jobs', 'template', 'inputs', 'count']),
    )
    const defs = schema.$defs as Record<string, { type?: string; properties?: Record<string, unknown> }>
    expect(Object.keys(defs).sort()).toEqual(KIND_NAMES.map(paramsDefName).sort())
    expect(defs[paramsDefName('sum-squares')]?.properties).toHaveProperty('n')
    // `hash` has a `v.check` pipe, which JSON Schema cannot express: the object itself still converts.
    expect(defs[paramsDefName('hash')]?.type).toBe('object')
  })
})
