// Batch files the desktop app opens from the OS (a second start's argv), with the real
// src/main/index.ts on the electron stand-in over a REAL engine and API host (desktop-app.ts):
// a `lines` file longer than a submit holds runs as it is read, and a file's batch controls
// have the meaning they have in `corelane run` and the window (README, "Batch controls").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { batchNamed, call, closeDesktopApp, fakes, secondStart, startDesktopApp, untilEnded } from './desktop-app.ts'
import { standIn } from './electron-stand-in.ts'

vi.mock('electron', async () => (await import('./electron-stand-in.ts')).electronStandIn)
// FAKE: the job database (its store worker entry exists only in the built app): a real engine without a store.
vi.mock('../../src/main/host/persistent-engine.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutStore(await importOriginal()),
)
// FAKE: the monitor (its sampler thread's entry exists only in the built app).
vi.mock('../../src/main/engine/index.ts', async (importOriginal) =>
  (await import('./desktop-app.ts')).withoutMonitor(await importOriginal()),
)

let batches: string

beforeAll(async () => {
  ;({ batches } = await startDesktopApp({ cpuSlots: 3, ioConcurrency: 1 }))
}, 60_000)

afterAll(closeDesktopApp)

describe('batch files from the OS', () => {
  it('streams a batch file whose lines file is longer than a submit holds, read as its jobs run, until Cancel batch stops the reading', async () => {
    const LINES = 1_000_001 // the old cap was 1,000,000 lines, read whole
    writeFileSync(join(batches, 'many.txt'), Array.from({ length: LINES }, (_, i) => i).join('\n') + '\n')
    writeFileSync(
      join(batches, 'many-lines.json'),
      JSON.stringify({ name: 'many lines', template: { kind: 'noop', params: {} }, inputs: { lines: 'many.txt' } }),
    )
    const boxes = standIn.messageBoxes.length
    secondStart('many-lines.json')
    // Several windows of jobs (10,000 unfinished at most), so finished ones have left memory meanwhile.
    await vi.waitFor(
      async () => {
        if (standIn.messageBoxes.length > boxes) throw new Error(`refused: ${standIn.messageBoxes.at(-1)!.detail}`)
        expect((await batchNamed('many lines'))?.counts.succeeded).toBeGreaterThanOrEqual(30_000)
      },
      { timeout: 60_000, interval: 50 },
    )
    const running = (await batchNamed('many lines'))!
    // Its total is what has been read (the file's length is known at its end), far from the whole file.
    expect(running.endedAt).toBeNull()
    expect(running.total).toBeLessThan(LINES / 4)
    // The engine holds about a window of the batch's jobs, not the lines read so far.
    const held = ((await call('snapshot', {})) as { ok: true; value: { jobsTotal: number } }).value.jobsTotal
    expect(held).toBeLessThan(running.counts.succeeded)
    expect(((await call('cancelBatch', { batchId: running.id })) as { ok: boolean }).ok).toBe(true)
    await untilEnded('many lines')
    const ended = (await batchNamed('many lines'))!
    // Every job read is accounted for, and nothing was read after the cancel.
    expect(ended.counts.succeeded + ended.counts.cancelled).toBe(ended.total)
    expect(ended.total).toBeLessThan(LINES / 2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await batchNamed('many lines'))!.total).toBe(ended.total)
    expect(standIn.messageBoxes.length).toBe(boxes)
  }, 90_000)

  it('reads a lines file beside the batch file, a job per non-empty line, and names the line where a bad input stopped the reading', async () => {
    // Beside the batch file, not in the folder of the start that handed it over.
    mkdirSync(join(batches, 'sub'), { recursive: true })
    // Line 5 makes a name longer than 200 characters; line 3 is blank (a line, not an input).
    writeFileSync(join(batches, 'sub', 'waits.txt'), `a\r\nb\r\n\r\nc\r\n${'x'.repeat(250)}\r\nd\r\n`)
    writeFileSync(
      join(batches, 'sub', 'waits.json'),
      JSON.stringify({
        name: 'waits',
        template: { name: 'wait {}', kind: 'sleep', params: { ms: 5 } },
        inputs: { lines: 'waits.txt' },
      }),
    )
    const boxes = standIn.messageBoxes.length
    const settled: { batchId: number | null; name: string; state: string }[] = []
    const stopHearing = fakes.engines[0]!.onJobSettled((job) =>
      settled.push({ batchId: job.batchId, name: job.name, state: job.state }),
    )
    secondStart('sub/waits.json')
    await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 20_000, interval: 20 })
    const box = standIn.messageBoxes.at(-1)!
    expect(box.message).toMatch(/stopped reading/i)
    expect(box.detail).toContain(join(batches, 'sub', 'waits.json'))
    expect(box.detail).toMatch(/inputs\.lines\[line 5\]\.name: /)
    const batch = (await batchNamed('waits'))!
    // The lines before it ran (CRLF ends taken off); none after it was read.
    stopHearing()
    expect(settled.filter((job) => job.batchId === batch.id).map((job) => [job.name, job.state])).toEqual([
      ['wait a', 'succeeded'],
      ['wait b', 'succeeded'],
      ['wait c', 'succeeded'],
    ])
    expect(batch).toMatchObject({ total: 3 })
    expect(batch.endedAt).not.toBeNull()

    // Standard input is the CLI's: the app says so, and submits nothing.
    writeFileSync(join(batches, 'stdin.json'), JSON.stringify({ template: { kind: 'noop', params: {} }, inputs: { lines: '-' } }))
    secondStart('stdin.json')
    await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes + 1), { timeout: 5000 })
    expect(standIn.messageBoxes.at(-1)!.detail).toMatch(/inputs\.lines: "-" reads standard input/)
    expect(await batchNamed('stdin.json')).toBeUndefined()
  })
})

// A batch file's controls, opened the desktop way, have the meaning they have in `corelane run`
// and the window (README, "Batch controls"); its files are written beside the batch file.
describe('the batch controls of a batch file the desktop app opens', () => {
  it('halts at the first failure with "now,fail=1": the running job and the queued ones are cancelled', async () => {
    writeFileSync(
      join(batches, 'halts.json'),
      JSON.stringify({
        name: 'halts',
        halt: 'now,fail=1',
        jobs: [
          // A CPU slot of its own, so it fails while an I/O sleep is running (one I/O slot).
          { name: 'fails', kind: 'sleep', lane: 'cpu', params: { ms: 5000 }, timeoutMs: 150 },
          ...Array.from({ length: 4 }, (_, i) => ({ name: `sleep ${i}`, kind: 'sleep', params: { ms: 1500 } })),
        ],
      }),
    )
    const boxes = standIn.messageBoxes.length
    secondStart('halts.json')
    await untilEnded('halts')
    expect(standIn.messageBoxes.length).toBe(boxes)
    expect((await batchNamed('halts'))!.counts).toMatchObject({ 'timed-out': 1, cancelled: 4, succeeded: 0 })
  })

  it('spaces the starts of a lines file by its delay', async () => {
    writeFileSync(join(batches, 'spaced.txt'), 'a\nb\nc\nd\n')
    writeFileSync(
      join(batches, 'spaced.json'),
      JSON.stringify({ name: 'spaced', delay: '0.25s', template: { kind: 'noop', params: {} }, inputs: { lines: 'spaced.txt' } }),
    )
    const settled: { batchId: number | null; startedAt: number | null }[] = []
    const stopHearing = fakes.engines[0]!.onJobSettled((job) => settled.push({ batchId: job.batchId, startedAt: job.startedAt }))
    try {
      secondStart('spaced.json')
      await vi.waitFor(async () => expect(await batchNamed('spaced')).toBeDefined(), { timeout: 5000 })
      await untilEnded('spaced')
    } finally {
      stopHearing()
    }
    const batchId = (await batchNamed('spaced'))!.id
    const starts = settled.filter((job) => job.batchId === batchId).map((job) => job.startedAt!)
    starts.sort((a, b) => a - b)
    expect(starts).toHaveLength(4)
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(250 * 0.9)
  })

  it('holds its jobs under maxLoad and memFree, saying why, until Cancel batch', async () => {
    // Limits no machine meets (a load of 0 or more, a petabyte free), read from the real machine.
    for (const [name, control, lane, why] of [
      ['held by load', { maxLoad: 0 }, 'cpu', /^waiting for the load to drop: .* ≥ max-load 0$/],
      ['held by memory', { memFree: '1000T' }, 'io', /^waiting for memory: .* < mem-free /],
    ] as const) {
      writeFileSync(
        join(batches, `${name}.json`),
        JSON.stringify({ name, ...control, jobs: [{ kind: 'sleep', lane, params: { ms: 1 } }] }),
      )
      secondStart(`${name}.json`)
      await vi.waitFor(
        async () => {
          const listed = (await call('listJobs', { limit: 100 })) as {
            ok: true
            value: { jobs: { batchId: number | null; state: string; note: string | null }[] }
          }
          const batch = await batchNamed(name)
          const job = listed.value.jobs.find((j) => j.batchId === batch?.id)
          expect(job?.state).toBe('queued')
          expect(job?.note).toMatch(why)
        },
        { timeout: 5000, interval: 50 },
      )
      expect(((await call('cancelBatch', { batchId: (await batchNamed(name))!.id })) as { ok: boolean }).ok).toBe(true)
      await untilEnded(name)
      expect((await batchNamed(name))!.counts).toMatchObject({ cancelled: 1, succeeded: 0 })
    }
  })

  it('writes its joblog and results beside the batch file, not in the folder of the start that opened it', async () => {
    mkdirSync(join(batches, 'logged'), { recursive: true })
    writeFileSync(
      join(batches, 'logged', 'logged.json'),
      JSON.stringify({
        name: 'logged',
        joblog: 'run.joblog',
        results: 'out',
        keepOrder: true, // orders `corelane run --json` lines: ignored here, not refused
        template: { name: 'nap {}', kind: 'sleep', params: { ms: '{}' } },
        inputs: [5, 10, 15],
      }),
    )
    secondStart('logged/logged.json')
    await untilEnded('logged')
    const log = () =>
      readFileSync(join(batches, 'logged', 'run.joblog'), 'utf8')
        .trimEnd()
        .split('\n')
    await vi.waitFor(() => expect(log()).toHaveLength(4), { timeout: 5000, interval: 20 })
    const [header, ...lines] = log()
    expect(header).toBe('Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand')
    const rows = lines.map((line) => line.split('\t')).sort((a, b) => Number(a[0]) - Number(b[0]))
    expect(rows.map((row) => [row[0], row[6], row[8]])).toEqual([
      ['1', '0', 'sleep {"ms":5}'],
      ['2', '0', 'sleep {"ms":10}'],
      ['3', '0', 'sleep {"ms":15}'],
    ])
    const result = (input: number) => join(batches, 'logged', 'out', '1', String(input), 'result.json')
    await vi.waitFor(() => expect(existsSync(result(15))).toBe(true), { timeout: 5000, interval: 20 })
    for (const [seq, input] of [
      [1, 5],
      [2, 10],
      [3, 15],
    ] as const) {
      expect(JSON.parse(readFileSync(result(input), 'utf8'))).toEqual({
        state: 'succeeded',
        result: { sleptMs: expect.any(Number) },
      })
      expect(readFileSync(join(batches, 'logged', 'out', '1', String(input), 'seq'), 'utf8')).toBe(String(seq))
    }
    expect(existsSync(join(batches, 'run.joblog'))).toBe(false)
    expect(existsSync(join(batches, 'out'))).toBe(false)
  })

  it('names the control it cannot apply, and submits nothing', async () => {
    // A file where the results folder should be made.
    writeFileSync(join(batches, 'in-the-way'), '')
    const cases = [
      [{ halt: 'now,fail=many' }, /halt: /],
      [{ delay: 'soon' }, /delay: /],
      [{ joblog: '-' }, /joblog: "-" writes to standard output/],
      [{ results: 'in-the-way/out' }, /results: cannot create the folder .*in-the-way\/out/],
    ] as const
    for (const [i, [control, problem]] of cases.entries()) {
      const name = `bad control ${i}`
      writeFileSync(
        join(batches, `bad-control-${i}.json`),
        JSON.stringify({ name, ...control, jobs: [{ kind: 'noop', params: {} }] }),
      )
      const boxes = standIn.messageBoxes.length
      secondStart(`bad-control-${i}.json`)
      await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 5000, interval: 20 })
      expect(standIn.messageBoxes.at(-1)!.detail, JSON.stringify(control)).toMatch(problem)
      expect(await batchNamed(name), JSON.stringify(control)).toBeUndefined()
    }
  })

  it('lists the jobs of a --dry-run start and runs nothing; refuses the other `corelane run` flags, naming them', async () => {
    writeFileSync(join(batches, 'dry.txt'), 'x\ny\n')
    writeFileSync(
      join(batches, 'dry.json'),
      JSON.stringify({
        name: 'dry',
        halt: '1',
        template: { kind: 'shell', params: { argv: ['echo', '{}'] } },
        inputs: ['1', 'a b'],
      }),
    )
    writeFileSync(
      join(batches, 'dry-lines.json'),
      JSON.stringify({ name: 'dry lines', template: { kind: 'hash', params: { file: '{}' } }, inputs: { lines: 'dry.txt' } }),
    )
    for (const [file, count, commands] of [
      ['dry.json', 2, ['1  echo 1', "2  echo 'a b'"]],
      [
        'dry-lines.json',
        2,
        ['1  hash {"file":"x","rounds":1,"algorithm":"sha256"}', '2  hash {"file":"y","rounds":1,"algorithm":"sha256"}'],
      ],
    ] as const) {
      const boxes = standIn.messageBoxes.length
      secondStart(file, '--dry-run')
      await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 5000, interval: 20 })
      const box = standIn.messageBoxes.at(-1)!
      expect(box.message, box.detail).toBe(`Dry run: ${count} jobs, nothing was run`)
      expect(box.detail!.split('\n').slice(2)).toEqual(commands)
    }
    const boxes = standIn.messageBoxes.length
    secondStart('dry.json', '--halt', '2')
    await vi.waitFor(() => expect(standIn.messageBoxes.length).toBeGreaterThan(boxes), { timeout: 5000, interval: 20 })
    expect(standIn.messageBoxes.at(-1)!.detail).toMatch(/--halt: a flag of `corelane run`/)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await batchNamed('dry')).toBeUndefined()
    expect(await batchNamed('dry lines')).toBeUndefined()
  })
})
