// The example batch files the README points to stay valid: each one loads, passes the shared
// schema, and expands into jobs whose params pass their kinds' schemas.
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadBatchFile, toSubmitRequest } from '../../src/cli/batch-file.ts'
import { validateSubmission } from '../../src/main/engine/submission.ts'

const examples = resolve(import.meta.dirname, '../../examples')

describe('examples/', async () => {
  const files = (await readdir(examples)).filter((name) => name.endsWith('.json'))
  it('has examples', () => expect(files.length).toBeGreaterThanOrEqual(3))
  for (const name of files) {
    it(`${name} is a valid batch`, async () => {
      const { batch, source, baseDir } = await loadBatchFile(join(examples, name))
      const specs = await validateSubmission(await toSubmitRequest(batch, source, baseDir))
      expect(specs.length).toBeGreaterThan(0)
    })
  }
})
