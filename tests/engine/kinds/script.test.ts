// script: a real module written to a temp folder, loaded and called with (input, ctx).
import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script } from '../../../src/main/engine/kinds/script.ts'
import { withContext } from './test-context.ts'

describe('script', () => {
  it("calls the module's default export with the input and the context", async () => {
    await withContext(async ({ ctx, dir, progress, logs }) => {
      const module = join(dir, 'double.mjs')
      await writeFile(
        module,
        `export default async function (input, ctx) {
          ctx.progress(0.5, 'halfway')
          ctx.log('job ' + ctx.jobId)
          await new Promise((resolve) => setTimeout(resolve, 5))
          return { doubled: input.n * 2, aborted: ctx.signal.aborted }
        }`,
      )
      expect(await script({ module, input: { n: 21 } }, ctx)).toEqual({ doubled: 42, aborted: false })
      expect(progress).toEqual([{ fraction: 0.5, note: 'halfway' }])
      expect(logs).toEqual(['job 1'])
    })
  })

  it('loads an edited script afresh', async () => {
    await withContext(async ({ ctx, dir }) => {
      const module = join(dir, 'version.mjs')
      await writeFile(module, 'export default () => 1')
      await utimes(module, 1_000_000, 1_000_000)
      expect(await script({ module }, ctx)).toBe(1)
      await writeFile(module, 'export default () => 2')
      await utimes(module, 2_000_000, 2_000_000)
      expect(await script({ module }, ctx)).toBe(2)
    })
  })

  it('passes on what the script throws', async () => {
    await withContext(async ({ ctx, dir }) => {
      const module = join(dir, 'throws.mjs')
      await writeFile(module, "export default async () => { throw new Error('bad input') }")
      await expect(script({ module }, ctx)).rejects.toThrow(/^bad input$/)
    })
  })

  it('names the module when it is missing, broken, or has no default export', async () => {
    await withContext(async ({ ctx, dir }) => {
      const missing = join(dir, 'missing.mjs')
      await expect(script({ module: missing }, ctx)).rejects.toThrow(`script not found: ${missing}`)
      const named = join(dir, 'named.mjs')
      await writeFile(named, 'export function run() {}')
      await expect(script({ module: named }, ctx)).rejects.toThrow(`script ${named} has no default export function`)
      const broken = join(dir, 'broken.mjs')
      await writeFile(broken, 'export default (')
      await expect(script({ module: broken }, ctx)).rejects.toThrow(`could not load script ${broken}: `)
    })
  })
})
