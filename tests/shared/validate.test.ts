// The shared validation layer: every problem names its field, so users can fix their input.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KIND_NAMES } from '../../src/shared/kinds.ts'
import type { JobSpec } from '../../src/shared/job.ts'
import {
  BatchFileSchema,
  INPUT_PLACEHOLDER,
  applyTemplate,
  checkJobSpec,
  expandRange,
  parseJobSpec,
} from '../../src/shared/schemas.ts'
import type { FieldProblem } from '../../src/shared/validate.ts'
import { ValidationError, joinPath, parseOrThrow, safeParseProblems } from '../../src/shared/validate.ts'

/** The problems of a job that must fail, checked under `prefix`. */
function jobProblems(input: unknown, prefix = ''): FieldProblem[] {
  const checked = checkJobSpec(input, prefix)
  if (checked.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
  return checked.problems
}

/** The problems of a batch file that must fail. */
function batchProblems(input: unknown): FieldProblem[] {
  const checked = safeParseProblems(BatchFileSchema, input)
  if (checked.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
  return checked.problems
}

/** What a front-end does with a batch's `jobs`: check each one under `jobs[i]`. */
function checkJobs(jobs: unknown[]): FieldProblem[] {
  return jobs.flatMap((job, i) => {
    const checked = checkJobSpec(job, `jobs[${i}]`)
    return checked.ok ? [] : checked.problems
  })
}

describe('checkJobSpec', () => {
  it('accepts a valid job and fills in param defaults', () => {
    const checked = checkJobSpec({ kind: 'hash', params: { mib: 4 }, priority: 5, retries: 2 })
    expect(checked).toEqual({
      ok: true,
      job: { kind: 'hash', params: { mib: 4, rounds: 1, algorithm: 'sha256' }, priority: 5, retries: 2 },
    })
  })

  it('defaults missing params to {} for kinds without required params', () => {
    expect(checkJobSpec({ kind: 'noop' })).toEqual({ ok: true, job: { kind: 'noop', params: {} } })
  })

  it('names the field of a bad param under the prefix, e.g. jobs[3].params.n', () => {
    const problems = checkJobs([
      { kind: 'noop' },
      { kind: 'sleep', params: { ms: 10 } },
      { kind: 'sum-squares', params: { n: 10 } },
      { kind: 'sum-squares', params: { n: -5 } },
    ])
    expect(problems).toEqual([{ field: 'jobs[3].params.n', message: 'expected >=0, got -5' }])
  })

  it('reports wrong types, non-integers and out-of-range numbers in params', () => {
    expect(jobProblems({ kind: 'sum-squares', params: { n: '10' } }, 'jobs[3]')).toEqual([
      { field: 'jobs[3].params.n', message: 'expected number, got "10"' },
    ])
    const [fraction] = jobProblems({ kind: 'sum-squares', params: { n: 1.5 } }, 'jobs[3]')
    expect(fraction?.field).toBe('jobs[3].params.n')
    expect(fraction?.message).toMatch(/whole number/)
    expect(jobProblems({ kind: 'sum-squares', params: { n: 1e12 } }, 'jobs[3]')).toEqual([
      { field: 'jobs[3].params.n', message: 'expected <=100000000000, got 1000000000000' },
    ])
  })

  it('rejects an unknown kind, naming the kind field and listing the known kinds', () => {
    const problems = jobProblems({ kind: 'teleport', params: {} }, 'jobs[0]')
    expect(problems).toHaveLength(1)
    expect(problems[0]?.field).toBe('jobs[0].kind')
    expect(problems[0]?.message).toContain('unknown kind "teleport"')
    for (const kind of KIND_NAMES) expect(problems[0]?.message).toContain(kind)
  })

  it('rejects unknown fields in the envelope and in params', () => {
    expect(jobProblems({ kind: 'sleep', params: { ms: 1 }, bogus: true }, 'jobs[2]')).toEqual([
      { field: 'jobs[2].bogus', message: 'unknown field' },
    ])
    expect(jobProblems({ kind: 'sum-squares', params: { n: 5, x: 1 } }, 'jobs[3]')).toEqual([
      { field: 'jobs[3].params.x', message: 'unknown field' },
    ])
    expect(jobProblems({ kind: 'sleep', params: { ms: 1, 'weird key': 1 } })).toEqual([
      { field: 'params["weird key"]', message: 'unknown field' },
    ])
  })

  it('reports missing required fields as "is required"', () => {
    expect(jobProblems({ params: { n: 1 } }, 'jobs[3]')).toEqual([{ field: 'jobs[3].kind', message: 'is required' }])
    expect(jobProblems({ kind: 'sleep', params: {} }, 'jobs[0]')).toEqual([
      { field: 'jobs[0].params.ms', message: 'is required' },
    ])
    expect(jobProblems({ kind: 'compress', params: { input: 'a' } })).toEqual([
      { field: 'params.output', message: 'is required' },
    ])
  })

  it('reports every envelope problem at once', () => {
    expect(jobProblems({ kind: 'sleep', params: { ms: 1 }, executor: 'gpu', timeoutMs: 0, priority: 1.5 }, 'jobs[1]')).toEqual([
      { field: 'jobs[1].executor', message: 'expected ("auto" | "thread" | "process"), got "gpu"' },
      { field: 'jobs[1].priority', message: 'must be a whole number (got 1.5)' },
      { field: 'jobs[1].timeoutMs', message: 'expected >=1, got 0' },
    ])
  })

  it('uses the messages written in the kind schemas', () => {
    expect(jobProblems({ kind: 'http-get', params: { url: 'ftp://example.com/' } })).toEqual([
      { field: 'params.url', message: 'url must be http or https' },
    ])
    expect(jobProblems({ kind: 'shell', params: { argv: [], env: { A: 1 } } })).toEqual([
      { field: 'params.argv', message: 'argv needs at least the program name' },
      { field: 'params.env.A', message: 'expected string, got 1' },
    ])
  })

  it('reports whole-object checks on params at the params field', () => {
    expect(jobProblems({ kind: 'hash', params: {} }, 'jobs[0]')).toEqual([
      { field: 'jobs[0].params', message: 'give exactly one of file or mib' },
    ])
    expect(jobProblems({ kind: 'hash', params: { file: 'a', mib: 1 } })).toEqual([
      { field: 'params', message: 'give exactly one of file or mib' },
    ])
  })

  it('rejects a job that is not an object', () => {
    expect(jobProblems('sleep', 'jobs[7]')).toEqual([{ field: 'jobs[7]', message: 'expected Object, got "sleep"' }])
  })

  it('parseJobSpec throws a ValidationError whose message names the fields', () => {
    let caught: unknown
    try {
      parseJobSpec({ kind: 'sleep', params: {} }, 'template')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(ValidationError)
    const error = caught as ValidationError
    expect(error.message).toBe('template.params.ms: is required')
    expect(error.problems).toEqual([{ field: 'template.params.ms', message: 'is required' }])
    expect(parseJobSpec({ kind: 'sleep', params: { ms: 5 } })).toEqual({ kind: 'sleep', params: { ms: 5 } })
  })
})

describe('BatchFileSchema', () => {
  it('accepts explicit jobs, and a template with inputs or a count', () => {
    expect(safeParseProblems(BatchFileSchema, { name: 'n', jobs: [{ kind: 'sleep', params: { ms: 1 } }] }).ok).toBe(true)
    expect(safeParseProblems(BatchFileSchema, { template: { kind: 'noop' }, count: 3 }).ok).toBe(true)
    expect(safeParseProblems(BatchFileSchema, { template: { kind: 'sleep', params: { ms: '{}' } }, inputs: [1, 2] }).ok).toBe(
      true,
    )
    const ranged = safeParseProblems(BatchFileSchema, { template: { kind: 'noop' }, inputs: { range: { to: 4 } } })
    expect(ranged).toEqual({
      ok: true,
      value: { template: { kind: 'noop', params: {} }, inputs: { range: { from: 0, to: 4, step: 1 } } },
    })
  })

  it('rejects unknown top-level fields', () => {
    expect(batchProblems({ jobs: [], bogus: 1 })).toEqual([{ field: 'bogus', message: 'unknown field' }])
  })

  it('names nested fields in defaults and template', () => {
    expect(batchProblems({ jobs: [], defaults: { retries: 101, lane: 'gpu' } })).toEqual([
      { field: 'defaults.lane', message: 'expected ("cpu" | "io"), got "gpu"' },
      { field: 'defaults.retries', message: 'expected <=100, got 101' },
    ])
    expect(batchProblems({ template: { params: {} }, count: 3 })).toEqual([{ field: 'template.kind', message: 'is required' }])
    expect(batchProblems({ template: { kind: 'noop' }, count: 0 })).toEqual([{ field: 'count', message: 'expected >=1, got 0' }])
    expect(batchProblems({ jobs: 'x' })).toEqual([{ field: 'jobs', message: 'expected Array, got "x"' }])
  })

  it('needs exactly one of jobs or template', () => {
    expect(batchProblems({})).toEqual([{ field: '', message: 'a batch needs exactly one of `jobs` or `template`' }])
    expect(batchProblems({ jobs: [], template: { kind: 'noop' }, count: 1 })).toEqual([
      { field: '', message: 'a batch needs exactly one of `jobs` or `template`' },
    ])
  })

  it('needs exactly one of inputs or count with a template', () => {
    const message = '`template` needs exactly one of `inputs` or `count`'
    expect(batchProblems({ template: { kind: 'noop' } })).toEqual([{ field: '', message }])
    expect(batchProblems({ template: { kind: 'noop' }, inputs: [1], count: 1 })).toEqual([{ field: '', message }])
  })

  it('parseOrThrow joins problems into one readable message', () => {
    expect(() => parseOrThrow(BatchFileSchema, { jobs: [], count: 'x' })).toThrow('count: expected number, got "x"')
  })

  it('a batch with one bad job names that job by index (jobs[3].params.n)', () => {
    const batch = parseOrThrow(BatchFileSchema, {
      jobs: [{ kind: 'noop' }, { kind: 'noop' }, { kind: 'noop' }, { kind: 'sum-squares', params: { n: 'many' } }],
    })
    expect(checkJobs(batch.jobs ?? [])).toEqual([{ field: 'jobs[3].params.n', message: 'expected number, got "many"' }])
  })
})

describe('applyTemplate', () => {
  const shell: JobSpec = { kind: 'shell', name: 'gzip {}', params: { argv: ['gzip', '-k', '{}'], cwd: '/data/{}' } }

  it('substitutes {} in string params, nested arrays included, and in the name', () => {
    expect(applyTemplate(shell, 'a.txt', 0)).toEqual({
      kind: 'shell',
      name: 'gzip a.txt',
      params: { argv: ['gzip', '-k', 'a.txt'], cwd: '/data/a.txt' },
    })
  })

  it('a param that is exactly {} takes the input as is (numbers stay numbers)', () => {
    const job = applyTemplate({ kind: 'sleep', params: { ms: INPUT_PLACEHOLDER } }, 250, 4)
    expect(job).toEqual({ kind: 'sleep', params: { ms: 250 }, name: 'sleep #5' })
    expect(checkJobSpec(job).ok).toBe(true)
  })

  it('merges an object input into params', () => {
    expect(applyTemplate({ kind: 'mandelbrot', params: { width: 64, x: 0 } }, { x: 1, y: 2 }, 1)).toEqual({
      kind: 'mandelbrot',
      params: { width: 64, x: 1, y: 2 },
      name: 'mandelbrot #2',
    })
  })

  it('does not modify the template', () => {
    const before = structuredClone(shell)
    applyTemplate(shell, 'b.txt', 1)
    applyTemplate(shell, { cwd: '/tmp' }, 2)
    expect(shell).toEqual(before)
  })

  it('a templated job that becomes invalid is reported with the job index', () => {
    const template: JobSpec = { kind: 'sum-squares', params: { n: '{}' } }
    const jobs = ['10', 20, -1, 30].map((input, i) => applyTemplate(template, input, i))
    expect(checkJobs(jobs)).toEqual([
      { field: 'jobs[0].params.n', message: 'expected number, got "10"' },
      { field: 'jobs[2].params.n', message: 'expected >=0, got -1' },
    ])
  })

  it('leaves no placeholder behind for any scalar input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.boolean()), (input) => {
        if (typeof input === 'string' && input.includes(INPUT_PLACEHOLDER)) return
        const job = applyTemplate(shell, input, 0)
        expect(JSON.stringify(job.params)).not.toContain(INPUT_PLACEHOLDER)
        expect(job.name).not.toContain(INPUT_PLACEHOLDER)
      }),
    )
  })
})

describe('helpers', () => {
  it('expandRange steps from `from` up to but excluding `to`', () => {
    expect(expandRange({ from: 0, to: 10, step: 3 })).toEqual([0, 3, 6, 9])
    expect(expandRange({ from: 5, to: 5, step: 1 })).toEqual([])
  })

  it('joinPath writes indexes, identifiers and other keys the way users read them', () => {
    expect(joinPath('jobs', 3)).toBe('jobs[3]')
    expect(joinPath('jobs[3]', 'params')).toBe('jobs[3].params')
    expect(joinPath('', 'kind')).toBe('kind')
    expect(joinPath('params', 'weird key')).toBe('params["weird key"]')
  })
})
