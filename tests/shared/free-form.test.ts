// Free-form values and the limits of numbers at the schema (issue 16, items 3, 8, 11 and 15):
// values nested too deep to copy, `__proto__` keys, numbers that are not finite, timeouts no
// timer can hold, and ranges that would be cut or repeat values are refused, each naming its field
// (a range of any length is streamed by the CLI; one held whole is refused past 1,000,000 values).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BatchFileSchema, MAX_TIMEOUT_MS, SubmitSchema, checkJobSpec, expandRange } from '../../src/shared/schemas.ts'
import { MAX_NESTING, ValidationError, freeFormProblem, safeParseProblems } from '../../src/shared/validate.ts'

function nested(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

function problems(input: unknown, prefix = 'jobs[0]') {
  const checked = checkJobSpec(input, prefix)
  if (checked.ok) throw new Error(`expected ${JSON.stringify(input)?.slice(0, 80)} to be refused`)
  return checked.problems
}

describe('free-form values', () => {
  it(`accepts nesting up to ${MAX_NESTING} levels and refuses deeper, naming the path`, () => {
    expect(checkJobSpec({ kind: 'script', params: { module: 'a.mjs', input: nested(MAX_NESTING - 2) } }).ok).toBe(true)
    const [problem] = problems({ kind: 'script', params: { module: 'a.mjs', input: nested(5000) } })
    expect(problem!.field).toMatch(/^jobs\[0\]\.params\.input\[0\]\[0\]/)
    expect(problem!.message).toBe(`is nested deeper than ${MAX_NESTING} levels`)
  })

  it('checks 100,000 levels without overflowing the stack itself', () => {
    expect(freeFormProblem(nested(100_000), 'x')?.message).toMatch(/nested deeper/)
  })

  it('refuses a `__proto__` key anywhere in params, instead of dropping it', () => {
    expect(problems(JSON.parse('{"kind":"script","params":{"module":"a.mjs","__proto__":{"x":1}}}'))).toEqual([
      { field: 'jobs[0].params.__proto__', message: 'the key `__proto__` is not allowed' },
    ])
    expect(problems(JSON.parse('{"kind":"script","params":{"module":"a.mjs","input":[{"a":{"__proto__":1}}]}}'))[0]!.field).toBe(
      'jobs[0].params.input[0].a.__proto__',
    )
  })

  it('refuses Infinity and 1e309 (JSON has no infinity) in mandelbrot coordinates and any param', () => {
    expect(problems(JSON.parse('{"kind":"mandelbrot","params":{"x":1e309}}'))).toEqual([
      { field: 'jobs[0].params.x', message: 'must be a finite number (got Infinity)' },
    ])
    expect(problems({ kind: 'mandelbrot', params: { y: -Infinity } })[0]!.field).toBe('jobs[0].params.y')
    expect(problems({ kind: 'script', params: { module: 'a.mjs', input: { deep: [Number.NaN] } } })[0]!.field).toBe(
      'jobs[0].params.input.deep[0]',
    )
  })

  it('refuses the same in a batch template, its inputs and a submit command', () => {
    const template = safeParseProblems(BatchFileSchema, {
      template: { kind: 'script', params: { module: 'a.mjs', input: nested(200) } },
      count: 2,
    })
    expect(template.ok).toBe(false)
    expect(!template.ok && template.problems[0]).toMatchObject({
      field: 'template.params',
      message: expect.stringMatching(/^input\[0\].*nested deeper/),
    })
    const inputs = safeParseProblems(BatchFileSchema, { template: { kind: 'noop' }, inputs: [JSON.parse('{"__proto__": 1}')] })
    expect(!inputs.ok && inputs.problems[0]).toMatchObject({
      field: 'inputs',
      message: expect.stringMatching(/\[0\]\.__proto__ the key/),
    })
    expect(safeParseProblems(SubmitSchema, { template: { kind: 'noop' }, inputs: [nested(100)] }).ok).toBe(false)
  })
})

describe('free-form values, fuzzed', () => {
  it('any JSON value as a script input is accepted or refused naming a field under params, never thrown', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (input) => {
        const checked = checkJobSpec({ kind: 'script', params: { module: 'a.mjs', input } }, 'jobs[0]')
        if (!checked.ok) expect(checked.problems[0]!.field).toMatch(/^jobs\[0\]\.params/)
      }),
    )
  })

  it('a value nested past the bound, or holding `__proto__`, at any place, is refused with that place', () => {
    const segment = fc.oneof(fc.nat({ max: 3 }), fc.constantFrom('a', 'b', 'k'))
    fc.assert(
      fc.property(fc.array(segment, { minLength: 0, maxLength: 10 }), fc.boolean(), (path, proto) => {
        // Build the value from the leaf up: arrays for numbers, objects for names.
        let leaf: unknown = proto ? JSON.parse('{"__proto__": 1}') : nested(MAX_NESTING + 1)
        for (const key of [...path].reverse()) {
          if (typeof key === 'number') {
            const list: unknown[] = Array.from({ length: key }, () => 0)
            list.push(leaf)
            leaf = list
          } else leaf = { [key]: leaf }
        }
        const problems = checkJobSpec({ kind: 'script', params: { module: 'a.mjs', input: leaf } }, 'j')
        expect(problems.ok).toBe(false)
        if (!problems.ok) {
          const where = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')
          expect(problems.problems[0]!.field.startsWith(`j.params.input${where}`)).toBe(true)
        }
      }),
    )
  })
})

describe('limits of numbers', () => {
  it(`caps timeoutMs at ${MAX_TIMEOUT_MS} (24 days, below 2^31 − 1 with room for the engine's grace), naming the limit`, () => {
    expect(MAX_TIMEOUT_MS + 3_600_000).toBeLessThan(2 ** 31 - 1)
    expect(checkJobSpec({ kind: 'noop', timeoutMs: MAX_TIMEOUT_MS }).ok).toBe(true)
    expect(problems({ kind: 'noop', timeoutMs: MAX_TIMEOUT_MS + 1 })).toEqual([
      {
        field: 'jobs[0].timeoutMs',
        message: `must be at most ${MAX_TIMEOUT_MS} ms (24 days: Node's timers hold at most 2^31 − 1 ms)`,
      },
    ])
  })

  it('accepts a range of any length (the CLI streams it), but never cuts one that is held whole', () => {
    // `corelane run` streams a range (tests/cli/streaming.test.ts runs one lazily), so the schema does not cap its length.
    const long = safeParseProblems(BatchFileSchema, { template: { kind: 'noop' }, inputs: { range: { to: 2 ** 40 } } })
    expect(long.ok).toBe(true)
    // Held whole (the window, a file opened in the app): more than 1,000,000 values are refused, naming the field.
    expect(expandRange({ from: 0, to: 1_000_000, step: 1 })).toHaveLength(1_000_000)
    let refused: unknown
    try {
      expandRange({ from: 0, to: 2_000_000, step: 1 })
    } catch (error) {
      refused = error
    }
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).problems).toEqual([
      {
        field: 'inputs.range',
        message: 'holds 2000000 values, more than 1000000 (one job each) held at once; `corelane run` streams it',
      },
    ])
  })

  it('refuses range bounds past 2^53, where consecutive values would repeat', () => {
    const near = safeParseProblems(BatchFileSchema, {
      template: { kind: 'noop' },
      inputs: { range: { from: 2 ** 53, to: 2 ** 53 + 10 } },
    })
    expect(!near.ok && near.problems.map((p) => p.field)).toContain('inputs.range.from')
    const values = expandRange({ from: Number.MAX_SAFE_INTEGER - 3, to: Number.MAX_SAFE_INTEGER, step: 1 })
    expect(new Set(values).size).toBe(3)
  })

  it('refuses an empty range', () => {
    const empty = safeParseProblems(BatchFileSchema, { template: { kind: 'noop' }, inputs: { range: { from: 5, to: 5 } } })
    expect(!empty.ok && empty.problems[0]!.message).toMatch(/holds no values/)
  })
})
