// What a process worker tells the engine about a short shell job: its start and its command's
// process group are held for START_REPORT_MS, so a job that ends sooner is reported in one
// message with its end, and a command that has already ended is not reported at all; a command
// still running by then is reported while it runs (the engine must know its group). A real
// worker process running real programs; this test stands in for the engine at the channel.
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  EV_COMMAND,
  EV_DONE,
  EV_STARTED,
  readEvents,
  type EventReader,
  type JobMessage,
} from '../../src/main/engine/worker/protocol.ts'
import { START_REPORT_MS } from '../../src/main/engine/worker/runtime.ts'

const ENTRY = new URL('../../src/main/engine/worker/process-entry.ts', import.meta.url).pathname

interface Seen {
  message: number
  type: number
  id: unknown
  /** The worker's clock, for starts and ends. */
  at?: number
}

let child: ChildProcess | null = null
let dir = ''

afterEach(async () => {
  child?.kill('SIGKILL')
  child = null
  if (dir) await rm(dir, { recursive: true, force: true })
  dir = ''
})

/** A serial process worker, and every event it sends, with the message each came in. */
async function startWorker(): Promise<{ run: (job: JobMessage) => Promise<void>; seen: Seen[]; messages: () => number }> {
  dir = await mkdtemp(join(tmpdir(), 'corelane-start-reports-'))
  const key = randomUUID()
  const worker = fork(ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  child = worker
  const seen: Seen[] = []
  let messages = 0
  const waiting = new Map<number, () => void>()
  const note = (type: number) => (id: unknown, at?: unknown) => seen.push({ message: messages, type, id, at: at as number })
  const reader: EventReader = {
    started: (id, at) => note(EV_STARTED)(id, at),
    done: (id, at) => {
      note(EV_DONE)(id, at)
      waiting.get(id as number)?.()
    },
    failed: (id, _at, code, message) => {
      throw new Error(`job ${String(id)} failed: ${String(code)} ${String(message)}`)
    },
    progress: () => undefined,
    dropped: () => undefined,
    lateError: () => undefined,
    command: (id) => note(EV_COMMAND)(id),
    commandEnded: () => undefined,
  }
  worker.on('message', (message: { k: string; t: string; e?: unknown[] }) => {
    if (message.k !== key || message.t !== 'ev') return
    messages++
    readEvents(message.e!, 0, reader)
  })
  worker.send({
    t: 'init',
    init: { workerId: 1, executor: 'process', mode: 'serial', dataDir: dir, key, tagRun: 'a1b2c3d4e5f6' },
  })
  const run = (job: JobMessage) =>
    new Promise<void>((resolve) => {
      waiting.set(job[0], resolve)
      worker.send({ t: 'run', jobs: [job] })
    })
  return { run, seen, messages: () => messages }
}

describe('start reports of a serial process worker', () => {
  it('sends a short shell job in one message, its ended command unreported', async () => {
    const { run, seen } = await startWorker()
    await run([1, 'shell', { argv: ['true'] }, 1]) // the worker's first shell server starts here
    // Jobs that took well under the hold by the worker's own clock (on a loaded machine some
    // `true` outlasts it, and is rightly reported): each must be one message, with no command.
    const short: number[] = []
    for (let id = 2; id < 300 && short.length < 15; id++) {
      await run([id, 'shell', { argv: ['true'] }, 1])
      const start = seen.find((event) => event.type === EV_STARTED && event.id === id)!
      const end = seen.find((event) => event.type === EV_DONE && event.id === id)!
      if (end.at! - start.at! < START_REPORT_MS / 2) short.push(id)
    }
    expect(short.length).toBe(15)
    for (const id of short) {
      const events = seen.filter((event) => event.id === id)
      // Before: three messages (the start, the command's group, the end).
      expect(events.map((event) => event.type)).toEqual([EV_STARTED, EV_DONE])
      expect(new Set(events.map((event) => event.message)).size).toBe(1)
    }
  })

  it('reports the group of a command still running, before the job ends', async () => {
    const { run, seen } = await startWorker()
    await run([1, 'shell', { argv: ['sleep', '0.5'] }, 1])
    const command = seen.find((event) => event.type === EV_COMMAND && event.id === 1)
    const done = seen.find((event) => event.type === EV_DONE && event.id === 1)
    expect(command).toBeDefined()
    expect(command!.message).toBeLessThan(done!.message)
  })
})
