// What the engine accepts as a job's result: plain JSON data only.
import { describe, expect, it } from 'vitest'
import { isJsonTree } from '../../src/main/engine/json-result.ts'

describe('isJsonTree', () => {
  it('accepts plain data', () => {
    const values = [null, undefined, 0, NaN, 'text', true, [], {}, { a: [1, { b: 'c' }], d: null }, Object.create(null)]
    values.forEach((value, i) => expect(isJsonTree(value), `value #${i}`).toBe(true))
  })

  it('refuses what JSON cannot hold or would silently change', () => {
    const cycle: unknown[] = []
    cycle.push(cycle)
    let deep: unknown = 1
    for (let i = 0; i < 500; i++) deep = [deep]
    for (const value of [
      10n,
      Symbol('s'),
      () => 1,
      new Map(),
      new Date(0),
      new Uint8Array(2),
      { nested: { big: 1n } },
      cycle,
      deep,
    ]) {
      expect(isJsonTree(value)).toBe(false)
    }
  })

  it('gives up on huge trees instead of walking them all', () => {
    expect(isJsonTree(new Array(300_000).fill(0))).toBe(false)
    expect(isJsonTree(new Array(1000).fill({ a: 1 }))).toBe(true)
  })
})
