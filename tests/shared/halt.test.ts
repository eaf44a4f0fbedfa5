// GNU parallel's --halt rules as Corelane reads them: the forms and shorthands parallel
// accepts, what it refuses, and when a rule is met (a percentage is of the batch's jobs).
import { describe, expect, it } from 'vitest'
import * as v from 'valibot'
import { haltExitCode, haltReached, HaltSchema, parseHalt, type HaltRule } from '../../src/shared/halt.ts'

const rule = (text: string) => parseHalt(text) as HaltRule

describe('parseHalt', () => {
  it("reads parallel's long forms and shorthands", () => {
    expect(parseHalt('now,fail=1')).toEqual({ when: 'now', on: 'fail', threshold: 1, percent: false, text: 'now,fail=1' })
    expect(parseHalt('soon,success=25%')).toEqual({
      when: 'soon',
      on: 'success',
      threshold: 25,
      percent: true,
      text: 'soon,success=25%',
    })
    expect(rule('1').text).toBe('soon,fail=1')
    expect(rule('2').text).toBe('now,fail=1')
    expect(rule('-1').text).toBe('soon,success=1')
    expect(rule('-2').text).toBe('now,success=1')
    expect(rule('5%').text).toBe('soon,fail=5%')
    expect(parseHalt('0')).toBeNull()
    expect(parseHalt('never')).toBeNull()
  })

  it('refuses what parallel refuses, and counts out of range', () => {
    for (const bad of ['later,fail=1', 'now', 'now,fail', 'now,crash=1', 'now,fail=x', '3'])
      expect(parseHalt(bad)).toHaveProperty('error')
    expect(parseHalt('now,fail=0')).toEqual({ error: 'the count must be 1 or more' })
    expect(parseHalt('now,fail=101%')).toEqual({ error: 'the percentage must be from 1% to 100%' })
    expect(v.safeParse(HaltSchema, 'now,fail=0').success).toBe(false)
    expect(v.safeParse(HaltSchema, 'soon,done=3').success).toBe(true)
  })
})

describe('haltReached', () => {
  it('counts failures, successes or both, and a share of the whole batch', () => {
    expect(haltReached(rule('now,fail=2'), { failed: 1, succeeded: 5, total: 10 })).toBe(false)
    expect(haltReached(rule('now,fail=2'), { failed: 2, succeeded: 0, total: 10 })).toBe(true)
    expect(haltReached(rule('now,success=3'), { failed: 9, succeeded: 2, total: 20 })).toBe(false)
    expect(haltReached(rule('soon,done=3'), { failed: 1, succeeded: 2, total: 20 })).toBe(true)
    // 25% of 10 jobs is 2.5: the third failure halts, as in parallel (limit >= total * pct).
    expect(haltReached(rule('now,fail=25%'), { failed: 2, succeeded: 0, total: 10 })).toBe(false)
    expect(haltReached(rule('now,fail=25%'), { failed: 3, succeeded: 0, total: 10 })).toBe(true)
    expect(haltReached(rule('now,fail=1%'), { failed: 0, succeeded: 3, total: 10 })).toBe(false)
  })

  it("maps parallel's exit status onto 0 and 1", () => {
    expect(haltExitCode(rule('now,success=1'), { failed: 4 })).toBe(0)
    expect(haltExitCode(rule('now,fail=1'), { failed: 1 })).toBe(1)
    expect(haltExitCode(rule('soon,done=2'), { failed: 0 })).toBe(0)
    expect(haltExitCode(rule('soon,done=2'), { failed: 1 })).toBe(1)
  })
})
