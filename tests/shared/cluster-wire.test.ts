import { describe, expect, it } from 'vitest'
import { AgentReportSchema, PackSchema, WIRE_BASE, WIRE_OK, parseClusterMessage, parsePack } from '../../src/shared/cluster.ts'

const STARTED = 1
const DONE = 2
const FAILED = 3
const PROGRESS = 4
const DROPPED = 5
const STARTED_ENDED = 6

const pack = (jobs: unknown[], extra: Record<string, unknown> = {}) => ({ v: 1, controller: 'c1', pack: 3, jobs, ...extra })

// parsePack checks jobs by hand: it must give exactly what PackSchema gives, or PackSchema's own refusal.
const taken: unknown[] = [
  pack([[1, 'noop', {}, 1]]),
  pack([
    [1, 'noop', {}, 0],
    [2, 'sum-squares', { n: 1000, deep: { a: [1, 2] } }, 3, 64],
  ]),
  pack([[7, 'sleep', { ms: 5 }, 1]], { long: true }),
  pack([[7, 'sleep', { ms: 5 }, 1]], { long: false }),
  JSON.stringify(pack([[9, 'hash', { path: '/x' }, 2, 1 << 20]])),
  // Params valibot copies without some keys: the hand check steps aside, the schema's copy stands.
  JSON.parse('{"v":1,"controller":"c1","pack":1,"jobs":[[1,"noop",{"__proto__":{"x":1},"a":1},1]]}'),
  pack([[1, 'noop', [], 1]]),
]
const refused: [unknown, RegExp][] = [
  [pack([[1, 'noop', {}, -1]]), /^jobs\[0\]\[3\]: expected >=0/],
  [pack([[0, 'noop', {}, 1]]), /^jobs\[0\]\[0\]: expected >=1/],
  [pack([[1.5, 'noop', {}, 1]]), /^jobs\[0\]\[0\]/],
  [pack([[1, '', {}, 1]]), /^jobs\[0\]\[1\]/],
  [pack([[1, 'x'.repeat(101), {}, 1]]), /^jobs\[0\]\[1\]/],
  [pack([[1, 'noop', null, 1]]), /^jobs\[0\]\[2\]/],
  [pack([[1, 'noop', 'p', 1]]), /^jobs\[0\]\[2\]/],
  [pack([[1, 'noop', {}, 1, 8]]), /^jobs\[0\]\[4\]: expected >=16/],
  [pack([[1, 'noop', {}, 1, null]]), /^jobs\[0\]\[4\]/],
  [pack([[1, 'noop', {}, 1, 64, 'x']]), /^jobs\[0\]\[5\]/],
  [pack([[1, 'noop', {}]]), /^jobs\[0\]\[3\]: is required/],
  [pack([{ id: 1 }]), /^jobs\[0\]/],
  [
    pack([
      [1, 'noop', {}, 1],
      [2, 'noop', {}, 'yesterday'],
    ]),
    /^jobs\[1\]\[3\]: expected number, got "yesterday"/,
  ],
  [pack([]), /^jobs/],
  [pack([[1, 'noop', {}, 1]], { v: 2 }), /^v/],
  [pack([[1, 'noop', {}, 1]], { extra: 1 }), /^extra: unknown field/],
  [{ v: 1, pack: 1, jobs: [[1, 'noop', {}, 1]] }, /^controller: is required/],
  ['{"v":1,', /^not JSON/],
]

/** Valibot writes out a job's missing ceiling as an undefined fifth item; the hand check keeps four (the same to every reader). */
const padded = (result: ReturnType<typeof parsePack>) =>
  result.ok ? { ...result.value, jobs: result.value.jobs.map((j) => [j[0], j[1], j[2], j[3], j[4]]) } : result

describe('parsePack', () => {
  it.each(taken.map((input, i) => [i, input]))('reads valid pack %i as PackSchema does', (_, input) => {
    const mine = parsePack(input)
    const theirs = parseClusterMessage(PackSchema, input)
    expect(mine.ok && theirs.ok).toBe(true)
    expect(padded(mine)).toEqual(padded(theirs))
  })

  it.each(refused.map(([input, error], i) => [i, input, error] as const))(
    'refuses bad pack %i naming the field, as PackSchema does',
    (_, input, error) => {
      const mine = parsePack(input)
      expect(mine).toEqual(parseClusterMessage(PackSchema, input))
      expect(mine.ok).toBe(false)
      if (!mine.ok) expect(mine.error).toMatch(error)
    },
  )
})

describe("an agent's report on the wire", () => {
  const parse = (e: unknown[]) => parseClusterMessage(AgentReportSchema, JSON.stringify({ agent: 'a1', e }))

  it('decodes a time base and short successes to the protocol layout, with absolute times', () => {
    const base = 1_796_137_767_420
    // One event a line, as on the wire.
    // prettier-ignore
    const wire = [
      WIRE_BASE, base,
      WIRE_OK, 11, 0, 2,
      STARTED, 12, 3,
      PROGRESS, 12, 0.5, 'half',
      DONE, 12, 7, { big: true }, { file: '/r/12.json', bytes: 70_000 }, true,
      STARTED_ENDED, 13, 8,
      FAILED, 13, 9, 'job-error', 'boom', false,
      DROPPED, 14,
      // A clock set back while the pack ran: a negative offset, still a real time.
      WIRE_OK, 15, -5, -4,
    ]
    const parsed = parse(wire)
    // prettier-ignore
    expect(parsed).toEqual({
      ok: true,
      value: {
        agent: 'a1',
        logs: [],
        e: [
          STARTED_ENDED, 11, base, DONE, 11, base + 2, null, null, false,
          STARTED, 12, base + 3,
          PROGRESS, 12, 0.5, 'half',
          DONE, 12, base + 7, { big: true }, { file: '/r/12.json', bytes: 70_000 }, true,
          STARTED_ENDED, 13, base + 8,
          FAILED, 13, base + 9, 'job-error', 'boom', false,
          DROPPED, 14,
          STARTED_ENDED, 15, base - 5, DONE, 15, base - 4, null, null, false,
        ],
      },
    })
  })

  it('carries a pack of short successes in under a third of the bytes of the protocol layout', () => {
    const base = 1_796_137_767_420
    const wire: unknown[] = [WIRE_BASE, base]
    for (let id = 50_001; id <= 51_000; id++) wire.push(WIRE_OK, id, id % 7, (id % 7) + 1)
    const parsed = parse(wire)
    if (!parsed.ok) throw new Error(parsed.error)
    expect(parsed.value.e).toHaveLength(9000)
    expect(parsed.value.e.slice(-9)).toEqual([STARTED_ENDED, 51_000, base + 5, DONE, 51_000, base + 6, null, null, false])
    expect(JSON.stringify(wire).length).toBeLessThan(JSON.stringify(parsed.value.e).length / 3)
  })

  it('leaves the events it reads as they were (they are taken as they are, not copied)', () => {
    const e = [WIRE_BASE, 1000, WIRE_OK, 7, 1, 2, STARTED, 8, 3]
    const before = [...e]
    const parsed = parseClusterMessage(AgentReportSchema, { agent: 'a1', e })
    expect(parsed.ok && parsed.value.e).toEqual([STARTED_ENDED, 7, 1001, DONE, 7, 1002, null, null, false, STARTED, 8, 1003])
    expect(e).toEqual(before)
    const notArray = parseClusterMessage(AgentReportSchema, { agent: 'a1', e: { 0: WIRE_BASE, 1: 5, length: 2 } })
    expect(notArray.ok || notArray.error).toMatch(/^e: must be an array of events/)
  })

  it('reads a report in the protocol layout (no base) as it came', () => {
    const e = [STARTED_ENDED, 5, 1000, DONE, 5, 1001, 42, null, false, FAILED, 6, 1002, 'timeout', 'timed out', true]
    expect(parse(e)).toEqual({ ok: true, value: { agent: 'a1', logs: [], e } })
  })

  it.each([
    [[WIRE_BASE, -1, WIRE_OK, 1, 0, 0], /^e: at index 1: expected >=0/],
    [[WIRE_BASE, 'noon'], /^e: at index 1: expected number, got "noon"/],
    [[WIRE_BASE, 1000, WIRE_OK, 0, 1, 2], /^e: at index 3: expected >=1/],
    [[WIRE_BASE, 1000, WIRE_OK, 3, 1, 'late'], /^e: at index 5: expected number, got "late"/],
    [[WIRE_BASE, 1000, WIRE_OK, 3, 1], /^e: at index 5: is required/],
    [[WIRE_BASE, 1000, WIRE_OK, 3, -1001, 0], /^e: at index 4: expected >=0/],
    [[WIRE_BASE, 1000, STARTED, 3, 'soon'], /^e: at index 4: expected number, got "soon"/],
    [[WIRE_BASE, 1000, 99, 3], /^e: at index 2: unknown event code 99/],
    [[WIRE_BASE, 1000, FAILED, 3, 1, 'melted', 'x', false], /^e: at index 5/],
  ] as const)('refuses a malformed wire event naming its index: %j', (e, error) => {
    const parsed = parse([...e])
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error).toMatch(error)
  })
})
