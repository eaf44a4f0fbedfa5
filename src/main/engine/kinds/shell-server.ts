// Starts shell jobs' programs through small, long-lived shells (bash, or sh) instead of Node's
// spawn. Node forks the whole worker process for every spawn (a worker is tens of MB, and
// libuv's fork copies its page tables). A shell of a few MB forks cheaply: each server reads
// one command line, starts it in the background (one fork, then exec, so the program keeps
// the pid the server reports), reports its pid and then its wait status. The program must
// lead its own process group, as Node's `detached` gave it, so that a cancel reaches its
// children: bash does that itself with job control (`set -m`); a plain POSIX sh cannot
// without a terminal, so there the program goes through `setsid` (one more exec). One job
// per server at a time; idle servers are kept for the next job. The program inherits the
// server's fds 4 and 5 as its stdout and stderr, two pipes the worker reads, so the job's log can say which
// stream each byte came from (log-streams.ts); a server whose program left processes behind
// in its group (which may still hold those pipes) is not given another job.
import { spawn, type ChildProcess } from 'node:child_process'
import { TAG_VARIABLE } from '../tagged-processes.ts'
import { accessSync } from 'node:fs'
import { access, constants } from 'node:fs/promises'
import { constants as osConstants } from 'node:os'
import { delimiter, isAbsolute, join } from 'node:path'
import type { Readable, Writable } from 'node:stream'

const LOOP = 'while IFS= read -r line; do eval "$line" </dev/null & pid=$!; echo "S $pid" >&3; wait "$pid"; echo "E $?" >&3; done'

/** How servers start here: bash with job control, or sh with setsid in front of each program. */
export interface Flavour {
  shell: string
  script: string
  exec: string
}

export const BASH: Flavour = { shell: '/bin/bash', script: `set -m; ${LOOP}`, exec: 'exec' }
export const SH_SETSID: Flavour = { shell: '/bin/sh', script: LOOP, exec: 'exec setsid --' }
/** Idle servers kept per process (more concurrent jobs start more; the extra ones exit when done). */
const MAX_IDLE = 8

/** What one job needs from a server: its command. */
export interface ServerJob {
  argv: string[]
  cwd?: string
  env?: Record<string, string>
  useShell: boolean
}

/** Where a running program's output goes, chunk by chunk, in the order it is read. */
export type OutputSink = (stream: 'stdout' | 'stderr', chunk: Buffer) => void

/** A started program: its pid, and its wait status (`exitCode`, or the signal that killed it). */
export interface ServerRun {
  pid: number
  ended: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The server's command line for a job, or null when a shell line cannot say it exactly (then Node spawns it). */
export function commandLine(job: ServerJob, exec = 'exec'): string | null {
  const env = Object.entries(job.env ?? {})
  const texts = [...job.argv, job.cwd ?? '', ...env.flat()]
  if (texts.some((text) => text.includes('\n') || text.includes('\0'))) return null
  if (env.some(([name]) => !ENV_NAME.test(name))) return null
  // As Node's `shell: true`: the words joined by spaces, given to /bin/sh -c.
  const program = job.useShell ? ['/bin/sh', '-c', job.argv.join(' ')] : job.argv
  return [
    job.cwd === undefined ? '' : `cd -- ${quote(job.cwd)} &&`,
    ...env.map(([name, value]) => `export ${name}=${quote(value)} &&`),
    exec,
    ...program.map(quote),
    // Its stdout and stderr: the server's fds 4 and 5 (the server's own stderr gets bash's job notices).
    '>&4 2>&5 4>&- 5>&-',
  ].join(' ')
}

/** Signal numbers to names (os.constants.signals, inverted). */
const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]))

class ShellServer {
  readonly child: ChildProcess
  private buffered = ''
  private onStart: ((pid: number) => void) | null = null
  private onEnd: ((status: number | null) => void) | null = null
  /** The running program's output; null between jobs. */
  private sink: OutputSink | null = null
  /** Output came while no job ran: something left behind writes to this server's pipes. */
  stray = false
  alive = true

  constructor(flavour: Flavour) {
    // In a session of its own: a Ctrl-C in the terminal (sent to the CLI's whole group) must
    // not end a server under its job, which would then look killed while it still runs.
    // It serves every job on its worker, so it carries no job's tag (each command gets its own).
    const { [TAG_VARIABLE]: _tag, ...env } = process.env
    this.child = spawn(flavour.shell, ['-c', flavour.script], {
      stdio: ['pipe', 'ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
      env,
    })
    // A server never keeps its worker (or a test) alive; the worker's exit closes its input.
    this.child.unref()
    for (const stream of this.child.stdio as (Writable | Readable | null)[]) {
      ;(stream as unknown as { unref?: () => void } | null)?.unref?.()
    }
    for (const [fd, name] of [
      [4, 'stdout'],
      [5, 'stderr'],
    ] as const) {
      ;(this.child.stdio as unknown as Readable[])[fd]!.on('data', (chunk: Buffer) => {
        if (this.sink) this.sink(name, chunk)
        else this.stray = true
      })
    }
    const reports = this.child.stdio[3] as Readable
    reports.setEncoding('utf8')
    reports.on('data', (chunk: string) => this.read(chunk))
    this.child.once('exit', () => this.gone())
    this.child.once('error', () => this.gone())
    this.child.stdin!.on('error', () => this.gone())
  }

  private read(chunk: string): void {
    this.buffered += chunk
    let end: number
    while ((end = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, end)
      this.buffered = this.buffered.slice(end + 1)
      const value = Number(line.slice(2))
      if (line.startsWith('S ')) this.onStart?.(value)
      else if (line.startsWith('E ')) {
        const done = this.onEnd
        this.onStart = this.onEnd = null
        done?.(value)
      }
    }
  }

  private gone(): void {
    if (!this.alive) return
    this.alive = false
    const start = this.onStart
    const done = this.onEnd
    this.onStart = this.onEnd = null
    // Killed from outside (jobs lead their own groups, so a cancel never reaches a server).
    start?.(-1)
    done?.(null)
  }

  run(line: string, sink: OutputSink): Promise<ServerRun> {
    this.sink = sink
    return new Promise((resolveStart, rejectStart) => {
      let ended!: (status: number | null) => void
      const endedStatus = new Promise<number | null>((resolve) => (ended = resolve))
      // The status is written after the program exited, so all it wrote is in the pipes by
      // then; it is read within the same turn of the loop (libuv reads every ready pipe in
      // one poll), and two turns more leave room for a burst of ready descriptors.
      this.onEnd = (status) =>
        void afterReads().then(() => {
          this.sink = null
          ended(status)
        })
      this.onStart = (pid) => {
        if (pid < 0) rejectStart(new Error('the shell server stopped'))
        else resolveStart({ pid, ended: endedStatus.then(toExit) })
      }
      this.child.stdin!.write(`${line}\n`)
    })
  }
}

/**
 * A shell's wait status: 0–128 an exit code, above it 128 + the signal that killed the program
 * (so a program that itself exits with 129–192 reads as killed by that signal, as in any shell).
 */
function toExit(status: number | null): { exitCode: number | null; signal: NodeJS.Signals | null } {
  if (status === null) return { exitCode: null, signal: 'SIGKILL' }
  if (status > 128) {
    const signal = SIGNAL_NAMES.get(status - 128)
    if (signal) return { exitCode: null, signal }
  }
  return { exitCode: status, signal: null }
}

/** Resolves after two more turns of the event loop: pipe data already in the kernel has been read by then. */
export function afterReads(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

/** Whether process group `pgid` still has a member (a program's children it left running). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    // EPERM: a member exists but is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const idle: ShellServer[] = []
let found: Promise<Flavour | null> | null = null

async function findFlavour(): Promise<Flavour | null> {
  if (process.platform === 'win32') return null
  if (await findProgram('/bin/bash')) return BASH
  if ((await findProgram('/bin/sh')) && (await findProgram('setsid'))) return SH_SETSID
  return null
}

/** How a job's command starts on a server here (`exec …`), or null when servers cannot be used. */
export async function serverExec(): Promise<string | null> {
  found ??= findFlavour()
  return (await found)?.exec ?? null
}

/**
 * Starts an idle server before the first job asks for one (a worker started ahead of its shell
 * jobs). Bash is looked for synchronously: this runs in a worker that is still loading its
 * runtime, which holds its loop, and a callback would wait for that (sh, the rare case, does).
 */
export async function prestartServer(): Promise<void> {
  if (found === null && process.platform !== 'win32') {
    try {
      accessSync(BASH.shell, constants.X_OK)
      found = Promise.resolve(BASH)
    } catch {
      // No bash: the usual search below.
    }
  }
  found ??= findFlavour()
  const flavour = await found
  if (flavour && idle.length === 0) idle.push(new ShellServer(flavour))
}

/** Starts a job's program on an idle server (or a new one); the server goes back when the program ends. */
export async function startOnServer(line: string, sink: OutputSink, only?: Flavour): Promise<ServerRun> {
  // `only` (tests): a server of that flavour, started for this one job.
  const flavour = only ?? (await found)
  if (!flavour) throw new Error('no shell server here')
  const server = (only ? undefined : idle.pop()) ?? new ShellServer(flavour)
  const run = await server.run(line, sink)
  void run.ended.then(() => {
    // Processes left in the program's group may write to this server's pipes later: the
    // next job must not get their output, so this server takes no more. (One that left the
    // group, a daemon that called setsid, is not seen here until it writes between jobs.)
    const clean = !server.stray && !groupAlive(run.pid)
    if (server.alive && clean && !only && idle.length < MAX_IDLE) idle.push(server)
    else if (server.alive) server.child.stdin!.end()
  })
  return run
}

/** The file `program` names on PATH (or itself, when it has a slash), if it is executable. */
export async function findProgram(program: string, path = process.env.PATH ?? ''): Promise<string | null> {
  const candidates = program.includes('/') ? [program] : path.split(delimiter).map((dir) => join(dir || '.', program))
  for (const candidate of candidates) {
    if (!isAbsolute(candidate) && !program.includes('/')) continue
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // Next one.
    }
  }
  return null
}
