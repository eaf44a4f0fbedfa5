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
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    return {
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
