// Pure helpers: argv splitting, schema → fields → params, batch files, segments, ring buffer.
import { toJsonSchema } from '@valibot/to-json-schema'
import { describe, expect, it } from 'vitest'
import { kindParams } from '../../src/shared/kinds.ts'
import { joinArgv, splitArgv } from '../../src/renderer/src/lib/argv.ts'
import { parseBatchFile } from '../../src/renderer/src/lib/batch-file.ts'
import { formatDuration, resultSummary } from '../../src/renderer/src/lib/format.ts'
import { formFieldFor } from '../../src/renderer/src/lib/job-form-model.ts'
import { RingBuffer } from '../../src/renderer/src/lib/ring-buffer.ts'
import { RunSegments } from '../../src/renderer/src/lib/run-segments.ts'
import { fieldsFromSchema, paramsToValues, valuesToParams } from '../../src/renderer/src/lib/schema-fields.ts'
import { makeJob } from './fake-api.ts'

const schemaOf = (kind: keyof typeof kindParams) =>
  toJsonSchema(kindParams[kind], { errorMode: 'ignore' }) as Record<string, unknown>

describe('argv', () => {
  it('splits on whitespace, honouring quotes and escapes', () => {
    expect(splitArgv('  sleep   2 ')).toEqual(['sleep', '2'])
    expect(splitArgv(`sh -c "echo 'hi there'" a\\ b ''`)).toEqual(['sh', '-c', "echo 'hi there'", 'a b', ''])
    for (const argv of [['a', 'b c', "it's", ''], ['x"y']]) expect(splitArgv(joinArgv(argv))).toEqual(argv)
  })
})

describe('schema fields', () => {
  it('reads every kind of the catalogue', () => {
    const shell = fieldsFromSchema(schemaOf('shell'))
    expect(shell.map((f) => [f.key, f.kind, f.required])).toEqual([
      ['argv', 'argv', true],
      ['cwd', 'string', false],
      ['env', 'key-value', false],
      ['shell', 'boolean', false],
    ])
    const [n] = fieldsFromSchema(schemaOf('sum-squares'))
    expect(n).toMatchObject({ key: 'n', kind: 'integer', min: 0, max: 1e11, step: 1, required: true })
    expect(fieldsFromSchema(schemaOf('script')).find((f) => f.key === 'input')?.kind).toBe('json')
  })

  it('converts form values to params and back', () => {
    const fields = fieldsFromSchema(schemaOf('shell'))
    const { params, problems } = valuesToParams(
      fields,
      { argv: 'ls -la "my dir"', cwd: '', env: 'A=1\nB=x=y', shell: true },
      false,
    )
    expect(problems).toEqual([])
    expect(params).toEqual({ argv: ['ls', '-la', 'my dir'], env: { A: '1', B: 'x=y' }, shell: true })
    expect(valuesToParams(fields, paramsToValues(fields, params), false).params).toEqual(params)
    const n = fieldsFromSchema(schemaOf('sum-squares'))
    expect(valuesToParams(n, { n: 'lots' }, false).problems).toEqual([
      { field: 'params.n', message: 'must be a number (got "lots")' },
    ])
    expect(valuesToParams(n, { n: '{}' }, true).params).toEqual({ n: '{}' })
    expect(valuesToParams(n, { n: '1e7' }, false).params).toEqual({ n: 1e7 })
  })

  it('places engine errors for expanded jobs on the template field', () => {
    expect(formFieldFor('jobs[3].params.n')).toBe('template.params.n')
    expect(formFieldFor('inputs[2].params.argv[0]')).toBe('template.params.argv')
    expect(formFieldFor('template.timeoutMs')).toBe('template.timeoutMs')
    expect(formFieldFor('inputs[4]')).toBe('inputs')
    expect(formFieldFor('count')).toBe('count')
  })
})

describe('batch files', () => {
  it('names the field of every problem', () => {
    const both = parseBatchFile(JSON.stringify({ jobs: [], template: { kind: 'sleep' } }), 'b.json')
    if (both.ok) throw new Error('expected problems')
    expect(both.problems[0]?.message).toContain('exactly one of `jobs` or `template`')
    const notJson = parseBatchFile('{ "jobs": [', 'b.json')
    if (notJson.ok) throw new Error('expected problems')
    expect(notJson.problems[0]?.message).toMatch(/^b\.json is not valid JSON: /)
    const jobs = parseBatchFile(JSON.stringify({ jobs: [{ kind: 'sleep', params: { ms: -1 } }, { kind: 'nope' }] }), 'b.json')
    if (jobs.ok) throw new Error('expected problems')
    expect(jobs.problems.map((p) => p.field)).toEqual(['jobs[0].params.ms', 'jobs[1].kind'])
  })

  it('reports a mistake repeated on every input once, with a count', () => {
    const inputs = Array.from({ length: 50 }, () => 'x')
    const result = parseBatchFile(JSON.stringify({ template: { kind: 'sleep', params: { ms: '{}' } }, inputs }), 'b.json')
    if (result.ok) throw new Error('expected problems')
    expect(result.problems).toHaveLength(2)
    expect(result.problems[0]).toMatchObject({ field: 'template.params.ms' })
    expect(result.problems[0]?.message).toContain('inputs[0]')
    expect(result.problems[1]?.message).toBe('…and 49 more like these')
  })

  it('sends a range longer than a submit holds as a range, for the engine to stream', () => {
    const result = parseBatchFile(
      JSON.stringify({ template: { kind: 'noop' }, inputs: { range: { to: 2_000_000 } } }),
      'long.json',
    )
    if (!result.ok) throw new Error(JSON.stringify(result.problems))
    expect(result.payload).toMatchObject({ template: { kind: 'noop' }, range: { from: 0, to: 2_000_000, step: 1 } })
    expect(result.payload.inputs).toBeUndefined()
    expect(result.jobCount).toBe(2_000_000)
  })

  it('builds the submit payload for count batches, named after the file', () => {
    const result = parseBatchFile(JSON.stringify({ template: { kind: 'sleep', params: { ms: 5 } }, count: 3 }), 'naps.json')
    expect(result).toEqual({
      ok: true,
      name: 'naps',
      jobCount: 3,
      payload: { name: 'naps', template: { kind: 'sleep', params: { ms: 5 } }, count: 3 },
    })
  })
})

describe('format', () => {
  it('reads durations and results', () => {
    expect(formatDuration(250)).toBe('250 ms')
    expect(formatDuration(2050)).toBe('2.05 s')
    expect(formatDuration(65_000)).toBe('1:05')
    expect(formatDuration(3_725_000)).toBe('1:02:05')
    expect(formatDuration(null)).toBe('—')
    expect(resultSummary(makeJob(1, { result: { sum: 1 } }))).toBe('{"sum":1}')
    expect(resultSummary(makeJob(1, { resultFile: { file: '/tmp/r.bin', bytes: 2048 } }))).toBe('→ /tmp/r.bin (2.0 KiB)')
  })
})

describe('run segments', () => {
  it('records one segment per attempt, running then finished', () => {
    const segments = new RunSegments()
    segments.observe(makeJob(1, { state: 'running', workerId: 2, startedAt: 1000 }), 1500)
    expect(segments.since(0)).toMatchObject([{ jobId: 1, workerId: 2, start: 1000, end: null }])
    segments.observe(makeJob(1, { state: 'retrying', workerId: 2, startedAt: 1000 }), 1800)
    segments.observe(makeJob(1, { state: 'running', workerId: 3, startedAt: 2000 }), 2100)
    segments.observe(makeJob(1, { state: 'succeeded', workerId: 3, startedAt: 2000, endedAt: 2500 }), 2600)
    segments.observe(makeJob(1, { state: 'succeeded', workerId: 3, startedAt: 2000, endedAt: 2500 }), 2700)
    expect(segments.since(0)).toMatchObject([
      { workerId: 2, start: 1000, end: 1800, failed: true },
      { workerId: 3, start: 2000, end: 2500, failed: false },
    ])
    expect(segments.since(2000)).toHaveLength(1)
  })

  it('closes a segment when the final update no longer names the worker', () => {
    const segments = new RunSegments()
    segments.observe(makeJob(1, { state: 'running', workerId: 2, startedAt: 1000 }), 1100)
    segments.observe(makeJob(1, { state: 'failed', workerId: null, startedAt: 1000, endedAt: 1400 }), 1500)
    segments.observe(makeJob(2, { state: 'succeeded', workerId: null, startedAt: 1000, endedAt: 1400 }), 1500)
    expect(segments.since(0)).toMatchObject([{ jobId: 1, workerId: 2, start: 1000, end: 1400, failed: true }])
  })
})

describe('ring buffer', () => {
  it('keeps the newest items, oldest first', () => {
    const ring = new RingBuffer<number>(3)
    for (const n of [1, 2, 3, 4, 5]) ring.push(n)
    expect(ring.toArray()).toEqual([3, 4, 5])
    expect(ring.tail((n) => n >= 4)).toEqual([4, 5])
    expect(ring.last()).toBe(5)
  })
})
