// The CLI as a user runs it: a real `corelane` process on real batch files, checking output
// lines, exit codes (0 all succeeded, 1 some failed, 2 invalid input) and error messages.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function corelane(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, CORELANE_DATA_DIR: join(dir, 'data') } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => done({ code, stdout, stderr }))
    child.stdin.end(stdin ?? '')
  })
}

async function batch(name: string, content: unknown): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

describe('corelane run', () => {
  it('prints one JSON line per finished job and a summary, exit 0 when all succeed', async () => {
    const file = await batch('ok.json', {
      name: 'ok',
      jobs: [
        { name: 'squares', kind: 'sum-squares', params: { n: 10 } },
        { kind: 'primes', params: { limit: 100 } },
        { kind: 'sleep', params: { ms: 10 } },
      ],
    })
    const { code, stdout } = await corelane(['run', file, '--json'])
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines).toHaveLength(4)
    const byName = Object.fromEntries(lines.slice(0, 3).map((l) => [l.name, l]))
    expect(byName.squares).toMatchObject({ kind: 'sum-squares', state: 'succeeded', executor: 'thread', attempts: 1, result: { sum: '285' } })
    for (const line of lines.slice(0, 3)) {
      expect(Object.keys(line).slice(0, 8)).toEqual(['id', 'name', 'kind', 'state', 'executor', 'attempts', 'startedAt', 'endedAt'])
      expect(Date.parse(line.endedAt)).toBeGreaterThanOrEqual(Date.parse(line.startedAt))
    }
    expect(lines[3].summary).toMatchObject({ total: 3, succeeded: 3, failed: 0 })
  })

  it('maps a template over inputs and a count, and reads a batch from stdin', async () => {
    const mapped = await batch('map.json', { template: { kind: 'sum-squares', params: { n: '{}' } }, inputs: [1, 2, 3, 4] })
    const result = await corelane(['run', mapped, '--json', '--executor', 'process'])
    expect(result.code).toBe(0)
    const sums = result.stdout.trim().split('\n').slice(0, 4).map((l) => JSON.parse(l))
    expect(sums.map((l) => l.result.sum).sort()).toEqual(['0', '1', '14', '5'])
    expect(sums.every((l) => l.executor === 'process')).toBe(true)
    const piped = await corelane(['run', '-', '--json'], JSON.stringify({ template: { kind: 'noop', params: {} }, count: 5 }))
    expect(piped.code).toBe(0)
    expect(JSON.parse(piped.stdout.trim().split('\n').at(-1)!).summary.succeeded).toBe(5)
  })

  it('exits 1 when any job fails, naming the error', async () => {
    const file = await batch('fail.json', {
      jobs: [
        { kind: 'shell', params: { argv: [process.execPath, '-e', 'process.exit(3)'] } },
        { kind: 'noop', params: {} },
      ],
    })
    const { code, stdout } = await corelane(['run', file, '--json'])
    expect(code).toBe(1)
    const failed = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.state === 'failed')
    expect(failed.error).toEqual({ code: 'exit-code', message: 'exited with code 3' })
  })

  const invalid: [string, unknown, string][] = [
    ['unknown kind', { jobs: [{ kind: 'transmogrify', params: {} }] }, 'jobs[0].kind: unknown kind "transmogrify"'],
    ['wrong param type', { jobs: [{ kind: 'sleep', params: { ms: 'soon' } }] }, 'jobs[0].params.ms'],
    ['negative count', { jobs: [{ kind: 'primes', params: { limit: -10 } }] }, 'jobs[0].params.limit'],
    ['unknown field', { jobs: [{ kind: 'noop', params: {}, speed: 'fast' }] }, 'jobs[0].speed: unknown field'],
    ['zero count', { template: { kind: 'noop', params: {} }, count: 0 }, 'count'],
    ['both forms', { jobs: [], template: { kind: 'noop' }, count: 1 }, 'exactly one of `jobs` or `template`'],
    ['non-JSON', '{ "jobs": [ }', 'not valid JSON'],
    ['truncated JSON', '{ "jobs": [', 'not valid JSON'],
    ['missing lines file', { template: { kind: 'noop', params: {} }, inputs: { lines: 'nope.txt' } }, 'inputs.lines: cannot read'],
  ]
  for (const [what, content, message] of invalid) {
    it(`refuses ${what} with exit 2 and a message naming the field`, async () => {
      const file = await batch(`bad-${what.replace(/\W/g, '-')}.json`, content)
      const { code, stderr, stdout } = await corelane(['run', file])
      expect(code).toBe(2)
      expect(stderr).toContain(message)
      expect(stderr).not.toMatch(/\n\s+at /) // no stack trace
      expect(stdout).toBe('')
    })
  }

  it('refuses a missing file, bad flags and unknown commands with exit 2', async () => {
    expect((await corelane(['run', join(dir, 'missing.json')])).stderr).toContain('no such file')
    const badFlag = await corelane(['run', 'x.json', '--cpu-slots', 'many'])
    expect(badFlag.code).toBe(2)
    expect(badFlag.stderr).toContain('--cpu-slots: must be a whole number')
    const unknown = await corelane(['run', 'x.json', '--turbo'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("'--turbo'")
    expect((await corelane(['frobnicate'])).code).toBe(2)
  })

  it('a job that references a missing file fails alone (exit 1), others succeed', async () => {
    const file = await batch('missing-input.json', {
      jobs: [
        { kind: 'hash', params: { file: join(dir, 'does-not-exist.bin') } },
        { kind: 'sum-squares', params: { n: 10 } },
      ],
    })
    const { code, stdout } = await corelane(['run', file, '--json'])
    expect(code).toBe(1)
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.find((l) => l.kind === 'hash')).toMatchObject({ state: 'failed', error: { code: 'job-error' } })
    expect(lines.find((l) => l.kind === 'hash').error.message).toContain('does-not-exist.bin')
    expect(lines.find((l) => l.kind === 'sum-squares').state).toBe('succeeded')
  })
})

describe('corelane kinds', () => {
  it('lists every visible kind with its params', async () => {
    const { code, stdout } = await corelane(['kinds'])
    expect(code).toBe(0)
    for (const kind of ['sum-squares', 'primes', 'hash', 'compress', 'mandelbrot', 'sort', 'sleep', 'http-get', 'copy', 'du', 'shell', 'script']) {
      expect(stdout).toContain(`${kind}  (`)
    }
    expect(stdout).toContain('argv: string[]  (required)')
    const json = JSON.parse((await corelane(['kinds', '--json'])).stdout)
    expect(json.find((k: { name: string }) => k.name === 'sleep').paramsSchema.required).toEqual(['ms'])
  })
})
