// The Electron process host: the engine's process workers as `utilityProcess` children
// (Chromium's process model, listed in the task manager, no Node-in-renderer). Same
// ProcessHost interface as child_process.fork on plain Node; the worker side
// (process-entry.ts) already speaks `process.parentPort`.
import { utilityProcess } from 'electron'
import type { ChildProcessHandle, ProcessHost } from '../engine/index.ts'

/** kill() sends SIGTERM; a child still alive after this long gets SIGKILL (a job ignoring its abort). */
const KILL_GRACE_MS = 1000

export const utilityProcessHost: ProcessHost = {
  name: 'utilityProcess.fork',
  spawn(modulePath, options = {}): ChildProcessHandle {
    const child = utilityProcess.fork(modulePath, [], {
      serviceName: options.serviceName ?? 'Corelane worker',
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ...options.env },
      stdio: 'inherit',
    })
    let exited = false
    // A V8 fatal error in the child is reported as 'error'; unhandled, it would throw in main.
    child.on('error', (type, location) =>
      console.error(`corelane: worker process ${child.pid ?? '?'} failed: ${type} at ${location}`),
    )
    child.once('exit', () => (exited = true))
    return {
      get pid() {
        return child.pid
      },
      send(message) {
        if (!exited) child.postMessage(message)
      },
      onMessage(listener) {
        child.on('message', listener)
      },
      onExit(listener) {
        // utilityProcess reports only an exit code (a signal death shows up in that code).
        child.once('exit', (code) => listener(code, null))
      },
      kill() {
        if (exited) return
        const pid = child.pid
        child.kill()
        if (pid === undefined) return
        const timer = setTimeout(() => {
          if (exited) return
          try {
            process.kill(pid, 'SIGKILL')
          } catch {
            // already gone
          }
        }, KILL_GRACE_MS)
        timer.unref()
      },
    }
  },
}
