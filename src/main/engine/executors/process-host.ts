// How the engine starts child processes. Injected, so the same engine runs under Electron
// (utilityProcess.fork) and on plain Node (child_process.fork) with one message protocol.
import { fork } from 'node:child_process'
import { access, constants } from 'node:fs/promises'

export interface ChildProcessHandle {
  readonly pid: number | undefined
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  /** Called once when the child has exited, with its code or the signal that killed it. */
  onExit(listener: (code: number | null, signal: string | null) => void): void
  kill(): void
  /** The last lines the child wrote to stderr (e.g. V8's fatal error), for crash reports. */
  stderrTail?(): string
  /** Whether the child (its channel and pipes) keeps this process alive: false while it waits unused (prestarted-processes.ts). */
  hold?(held: boolean): void
}

export interface SpawnOptions {
  /** Extra Node flags, e.g. --max-old-space-size for a memory ceiling. */
  execArgv?: string[]
  env?: Record<string, string>
  /** A name shown in task managers (utilityProcess serviceName). */
  serviceName?: string
  /**
   * An OS-level ceiling for the process's memory, MiB (see osMemoryLimit). Default: the
   * `--max-old-space-size` in execArgv, the engine's way of passing a job's `memoryMb`.
   */
  memoryLimitMb?: number
}

/**
 * What Node itself needs in RLIMIT_DATA before any job allocates: V8 reserves its code range
 * and heap cages writable at start-up (measured on Node 24, x64 Linux: it does not start
 * below about 560 MiB). The limit is the job's ceiling plus this.
 */
export const NODE_DATA_BASELINE_MB = 640

/** The first of `candidates` that can be run, or null; looked up without blocking the engine's thread. */
async function firstExecutable(candidates: readonly string[]): Promise<string | null> {
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // try the next
    }
  }
  return null
}

/** prlimit (util-linux) sets a limit on the command it runs; found once. */
let prlimit: string | null = null
/**
 * perl, to start a worker that leads a process group of its own in the engine's session
 * (GROUP_LEADER below); found once. Without it a worker gets a session of its own (setsid).
 */
let perl: string | null = null
/** Settles once both are looked up (a child spawned earlier goes without them). */
export const processToolsFound: Promise<void> =
  process.platform === 'linux'
    ? Promise.all([
        firstExecutable(['/usr/bin/prlimit', '/bin/prlimit', '/usr/local/bin/prlimit']).then((found) => (prlimit = found)),
        firstExecutable(['/usr/bin/perl', '/bin/perl']).then((found) => (perl = found)),
      ]).then(() => undefined)
    : Promise.resolve()

/**
 * Makes the process a group leader (setpgid(0, 0)) and execs its arguments in place: same pid,
 * same IPC channel and pipes, and still in the engine's session. Node can start a child leading
 * a group only through `detached` (setsid), and a session of its own is, on Linux with
 * autogroup scheduling, a scheduling group of its own too: each worker then competes with the
 * engine's whole process as an equal, and a message's wake-up waits for its group's turn. Measured
 * on the 2-core VM under load: 64 process jobs in flight ran at 0.6× the rate they have in the
 * engine's session.
 */
const GROUP_LEADER = 'setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die "corelane: cannot start $ARGV[0]: $!\\n"'

/** The ceiling named by `--max-old-space-size=N` in Node flags, or 0. */
export function heapLimitOf(execArgv: readonly string[]): number {
  for (const flag of execArgv) {
    const match = /^--max-old-space-size=(\d+)$/.exec(flag)
    if (match) return Number(match[1])
  }
  return 0
}

/**
 * How a process gets an OS-level memory ceiling: on Linux with prlimit, RLIMIT_DATA (every
 * private writable mapping: the V8 heap, Buffers and ArrayBuffers, native allocations) at
 * `limitMb + NODE_DATA_BASELINE_MB`; an allocation past it fails in the job's process, which
 * then dies as out of memory. `--max-old-space-size` alone bounds only the V8 heap: a script
 * allocating Buffers passes it. Returns null where no such limit can be set (other systems,
 * no prlimit); the heap limit then stays the only one.
 */
export function osMemoryLimit(limitMb: number): { command: string; args: string[] } | null {
  if (!(limitMb > 0) || !prlimit) return null
  const bytes = (limitMb + NODE_DATA_BASELINE_MB) * 1024 * 1024
  return { command: prlimit, args: [`--data=${bytes}`, '--'] }
}

export interface ProcessHost {
  readonly name: string
  spawn(modulePath: string, options?: SpawnOptions): ChildProcessHandle
}

/** The plain-Node host: `child_process.fork` with an IPC channel using V8 serialisation. */
export const forkProcessHost: ProcessHost = {
  name: 'child_process.fork',
  spawn(modulePath, options = {}) {
    const nodeArgv = options.execArgv ?? []
    // prlimit sets the limit and then execs Node in the same process, so the IPC channel holds.
    const limit = osMemoryLimit(options.memoryLimitMb ?? heapLimitOf(nodeArgv))
    // What runs, program first, before the module path fork appends.
    const command = limit ? [limit.command, ...limit.args, process.execPath, ...nodeArgv] : [process.execPath, ...nodeArgv]
    // Leading a process group of its own, which whatever its scripts start joins: the engine
    // ends that group when the worker has gone (command-groups.ts), so a script's children do
    // not outlive it. (Outside the terminal's foreground group, a Ctrl-C does not reach it
    // directly; the CLI's handler cancels its jobs and closes the engine, which ends it.)
    const leader = perl ? [perl, '-e', GROUP_LEADER, '--', ...command] : command
    const child = fork(modulePath, [], {
      ...(leader[0] !== process.execPath ? { execPath: leader[0] } : {}),
      execArgv: leader.slice(1),
      env: { ...process.env, ...options.env },
      serialization: 'advanced',
      // Job output goes to job logs; what the worker process itself prints is kept for crash reports.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Without perl: a session of its own (setsid), which also leads a group.
      detached: !perl,
    })
    const tail = new TailBuffer()
    child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk))
    // A send to a child that died between two turns of this loop fails with EPIPE, which Node
    // emits as an 'error' on the child; unheard, it would crash the engine's whole process. The
    // child's 'exit' follows and tells the engine what happened, so the error itself is dropped.
    child.on('error', () => {})
    return {
      stderrTail: () => tail.text(),
      get pid() {
        return child.pid
      },
      send(message) {
        if (child.connected) child.send(message as object)
      },
      onMessage(listener) {
        child.on('message', listener)
      },
      onExit(listener) {
        child.once('exit', (code, signal) => listener(code, signal))
      },
      kill() {
        child.kill('SIGKILL')
      },
      hold(held) {
        for (const handle of [child, child.channel, child.stderr] as ({ ref?(): void; unref?(): void } | null | undefined)[]) {
          if (held) handle?.ref?.()
          else handle?.unref?.()
        }
      },
    }
  },
}

/** Keeps the last few KiB of a stream. */
export class TailBuffer {
  private chunks: Buffer[] = []
  private size = 0
  private readonly limit: number
  constructor(limit = 4096) {
    this.limit = limit
  }
  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    while (this.size - this.chunks[0]!.length >= this.limit) this.size -= this.chunks.shift()!.length
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8').slice(-this.limit)
  }
}

/**
 * Where a job with a memory ceiling should run: a job that leaves its executor to the engine
 * (`auto`, or none) and sets `memoryMb` goes to a process when the OS can enforce the ceiling
 * there (osMemoryLimit), since a thread's ceiling bounds only its V8 heap. An explicit choice
 * is kept. The engine's hook: job-record.ts, where the executor is picked from the kind's default.
 */
export function executorForCeiling(
  requested: 'auto' | 'thread' | 'process' | undefined,
  kindDefault: 'thread' | 'process',
  memoryMb: number | undefined,
): 'thread' | 'process' {
  if (requested && requested !== 'auto') return requested
  if (memoryMb && memoryMb > 0 && osMemoryLimit(memoryMb)) return 'process'
  return kindDefault
}
