// How the engine starts child processes. Injected, so the same engine runs under Electron
// (utilityProcess.fork) and on plain Node (child_process.fork) with one message protocol.
import { fork } from 'node:child_process'

export interface ChildProcessHandle {
  readonly pid: number | undefined
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  /** Called once when the child has exited, with its code or the signal that killed it. */
  onExit(listener: (code: number | null, signal: string | null) => void): void
  kill(): void
  /** The last lines the child wrote to stderr (e.g. V8's fatal error), for crash reports. */
  stderrTail?(): string
}

export interface SpawnOptions {
  /** Extra Node flags, e.g. --max-old-space-size for a memory ceiling. */
  execArgv?: string[]
  env?: Record<string, string>
  /** A name shown in task managers (utilityProcess serviceName). */
  serviceName?: string
}

export interface ProcessHost {
  readonly name: string
  spawn(modulePath: string, options?: SpawnOptions): ChildProcessHandle
}

/** The plain-Node host: `child_process.fork` with an IPC channel using V8 serialisation. */
export const forkProcessHost: ProcessHost = {
  name: 'child_process.fork',
  spawn(modulePath, options = {}) {
    const child = fork(modulePath, [], {
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ...options.env },
      serialization: 'advanced',
      // Job output goes to job logs; what the worker process itself prints is kept for crash reports.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Leading a process group of its own, which whatever its scripts start joins: the engine
      // ends that group when the worker has gone (command-groups.ts), so a script's children
      // do not outlive it. (A terminal's Ctrl-C no longer reaches it directly; the CLI's
      // handler cancels its jobs and closes the engine, which ends it.)
      detached: true,
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
