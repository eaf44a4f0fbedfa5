// stdout and stderr told apart in a job's one log, on real jobs: a shell job's program (through
// the shell server and through Node's spawn), a script on a thread and on a process, and a
// failure's stack. The log keeps the order things were written in; the sidecar marks exactly
// the bytes stderr wrote; `splitLog` (what --results uses) gives each stream its own bytes.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { logsDir, stderrRangesPath } from '../../src/main/engine/data-layout.ts'
import { parseRanges, readStderrRanges, segments, splitLog, textWithStderr } from '../../src/main/engine/log-streams.ts'
import { makeEngine, writeScript } from './fixture.ts'

/** The stderr parts of a log slice, as text. */
const stderrOf = (log: { text: string; stderr: [number, number][] }) => log.stderr.map(([a, b]) => log.text.slice(a, b))

async function split(file: string): Promise<{ stdout: string; stderr: string }> {
  const collect = () => {
    const stream = new PassThrough()
    const parts: Buffer[] = []
    stream.on('data', (chunk: Buffer) => parts.push(chunk))
    return { stream, text: () => Buffer.concat(parts).toString('utf8') }
  }
  const out = collect()
  const err = collect()
  const size = (await readFile(file)).length
  await splitLog(file, size, out.stream, err.stream)
  return { stdout: out.text(), stderr: err.text() }
}

/**
 * A program that writes to stdout and stderr in turn and, after each write, waits until the
 * write is in its job's log (found in the logs folder by a token only it writes): the order
 * the log must keep is then certain, however loaded the machine is.
 */
const ALTERNATING = `
const { readdirSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const [logs, token] = process.argv.slice(1)
const inLog = (text) => readdirSync(logs).some((f) => f.endsWith('.log') && readFileSync(join(logs, f), 'utf8').includes(text))
const steps = [['stdout', token + ' out 1\\n'], ['stderr', 'err 1\\n'], ['stdout', 'out 2, then '], ['stderr', 'err 2\\n'], ['stdout', 'out 3\\n']]
let seen = ''
for (const [stream, text] of steps) {
  process[stream].write(text)
  seen += text
  const until = Date.now() + 20000
  while (!inLog(seen) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
}
`

describe('stdout and stderr in one log', () => {
  for (const [path, extra] of [
    ['the shell server', []],
    // A newline in an argument is something a shell line cannot say: Node's spawn runs it.
    ["Node's spawn", ['two\nlines']],
  ] as const) {
    it(`a shell job through ${path}: order kept, stderr bytes marked exactly, split for --results`, async () => {
      const { engine, dir } = await makeEngine()
      const token = `t${process.pid}${Date.now()}`
      const job = await engine.run({
        kind: 'shell',
        params: { argv: [process.execPath, '-e', ALTERNATING, logsDir(dir), token, ...extra] },
      })
      expect(job.state).toBe('succeeded')
      const log = await engine.readLog(job.id)
      expect(log.text).toBe(`${token} out 1\nerr 1\nout 2, then err 2\nout 3\n`)
      expect(stderrOf(log)).toEqual(['err 1\n', 'err 2\n'])
      expect(await split(job.logFile!)).toEqual({ stdout: `${token} out 1\nout 2, then out 3\n`, stderr: 'err 1\nerr 2\n' })
    })
  }

  for (const executor of ['thread', 'process'] as const) {
    it(`a script on a ${executor}: console.error/warn and process.stderr are stderr, console.log and process.stdout stdout`, async () => {
      const { engine, dir } = await makeEngine()
      const module = await writeScript(
        dir,
        'streams',
        `export default async () => {
          console.log('log')
          console.error('error', 42)
          process.stdout.write('stdout write\\n')
          process.stderr.write(Buffer.from('stderr write\\n'))
          console.warn('warn')
          console.info('info')
          return 'done'
        }`,
      )
      const job = await engine.run({ kind: 'script', executor, params: { module } })
      expect(job).toMatchObject({ state: 'succeeded', result: 'done' })
      const log = await engine.readLog(job.id)
      expect(log.text).toBe('log\nerror 42\nstdout write\nstderr write\nwarn\ninfo\n')
      expect(stderrOf(log)).toEqual(['error 42\n', 'stderr write\nwarn\n'])
    })
  }

  it('a failed script: its stack is stderr, after what it printed; a retry appends with its own marks', async () => {
    const { engine, dir } = await makeEngine()
    const module = await writeScript(
      dir,
      'fails',
      `export default async () => { console.log('trying'); throw new Error('no luck') }`,
    )
    const job = await engine.run({ kind: 'script', executor: 'thread', params: { module }, retries: 1 })
    expect(job).toMatchObject({ state: 'failed', attempts: 2 })
    const log = await engine.readLog(job.id)
    const attempts = log.text.split('trying\n')
    expect(attempts).toHaveLength(3)
    const errors = stderrOf(log)
    expect(errors).toHaveLength(2)
    for (const error of errors) expect(error).toMatch(/^Error: no luck\n\s+at /)
    expect(errors.join('')).toBe(attempts.slice(1).join(''))
  })

  it('a job that wrote only stdout has no sidecar, and reads as all stdout', async () => {
    const { engine, dir } = await makeEngine()
    const job = await engine.run({ kind: 'shell', params: { argv: ['echo', 'plain'] } })
    expect((await readdir(logsDir(dir))).sort()).toEqual([`${job.id}.log`])
    expect(await engine.readLog(job.id)).toMatchObject({ text: 'plain\n', stderr: [] })
  })
})

describe('the stderr ranges', () => {
  it('are merged, sorted, and a half-written last line is skipped', () => {
    expect(parseRanges('10 20\n0 5\n20 25\n30 3')).toEqual([
      [0, 5],
      [10, 25],
    ])
  })

  it('cut a slice of the log into stretches, and mark the stderr text even when the slice starts inside one', () => {
    const ranges = parseRanges('3 6\n9 12\n')
    expect(segments(ranges, 4, 10)).toEqual([
      { stream: 'stderr', start: 4, end: 6 },
      { stream: 'stdout', start: 6, end: 9 },
      { stream: 'stderr', start: 9, end: 10 },
    ])
    // "aaaEEEbbbFFF" from byte 4: "EEbbbFFF"; multi-byte text keeps its offsets in characters.
    expect(textWithStderr(Buffer.from('EEbbbé'), 4, parseRanges('3 6\n9 11\n'))).toEqual({
      text: 'EEbbbé',
      stderr: [
        [0, 2],
        [5, 6],
      ],
    })
  })
})

describe('reading the ranges of a log’s tail', () => {
  it('reads back from the sidecar’s end only as far as it must, with the same ranges as a full read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corelane-ranges-'))
    try {
      const log = join(dir, '1.log')
      // 20,000 stderr writes of 7 bytes, each after 5 bytes of stdout: far more than one tail read.
      const lines = Array.from({ length: 20_000 }, (_, i) => `${i * 12 + 5} ${i * 12 + 12}`)
      await writeFile(stderrRangesPath(log), `${lines.join('\n')}\n`)
      const all = await readStderrRanges(log)
      expect(all).toHaveLength(20_000)
      for (const from of [1, 12 * 19_990 + 7, 12 * 10_000, 12 * 20_000, 12 * 20_000 + 50]) {
        expect(await readStderrRanges(log, from)).toEqual(all.filter(([, end]) => end > from))
      }
      expect(await readStderrRanges(join(dir, 'none.log'), 5)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
