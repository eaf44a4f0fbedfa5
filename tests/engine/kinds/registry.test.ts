// The registry covers the catalogue exactly, and each cheap kind runs through it with params
// as the engine will pass them,: parsed by the kind's own schema, defaults filled in.
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { KIND_NAMES, kindParams } from '../../../src/shared/kinds.ts'
import type { KindName } from '../../../src/shared/kinds.ts'
import { kindLoaders, runnerFor } from '../../../src/main/engine/kinds/registry.ts'
import { withContext } from './test-context.ts'

describe('kind registry', () => {
  it('has a runner for every kind in the catalogue and nothing else', async () => {
    expect(Object.keys(kindLoaders).sort()).toEqual([...KIND_NAMES].sort())
    for (const name of KIND_NAMES) expect(typeof (await runnerFor(name))).toBe('function')
    // Once loaded, the lookup is synchronous: the hot path for short jobs.
    expect(typeof runnerFor('noop')).toBe('function')
    await expect(runnerFor('nope')).rejects.toThrow('unknown kind "nope"')
  })

  it('runs kinds with schema-parsed params', async () => {
    const cases: [KindName, unknown, unknown][] = [
      ['noop', {}, null],
      ['sum-squares', { n: 4 }, { sum: '14', n: 4 }],
      ['primes', { limit: 10 }, { count: 4, limit: 10 }],
      ['sleep', { ms: 1 }, { sleptMs: expect.any(Number) }],
      ['sort', { n: 3 }, { n: 3, min: expect.any(Number), max: expect.any(Number), median: expect.any(Number) }],
      ['mandelbrot', { width: 2, height: 2, maxIter: 10 }, expect.objectContaining({ width: 2, height: 2, maxIter: 10 })],
      ['hash', { mib: 1 }, expect.objectContaining({ bytes: 1 << 20, rounds: 1, algorithm: 'sha256' })],
    ]
    await withContext(async ({ ctx }) => {
      for (const [name, raw, expected] of cases) {
        const params = v.parse(kindParams[name], raw)
        expect(await (await runnerFor(name))(params, ctx), name).toEqual(expected)
      }
    })
  })
})
