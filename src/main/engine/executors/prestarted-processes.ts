// Worker processes started before the engine asks for them. A worker process takes 40–50 ms
// to start (Node's own start, then the runtime's modules), and a caller that knows it will need
// some (the CLI, once it has read a batch of shell jobs) can start them while it does the rest
// of its own start-up: opening the data folder and its database. The pool then gets one of
// these from `spawn` instead of a new one, and only sends it its init message, as to any new
// worker. Until then they hold nothing open (an early exit, on bad input, is not held up by
// them), and `dispose` ends those never taken.
import type { ToWorker } from '../worker/protocol.ts'
import type { ChildProcessHandle, ProcessHost, SpawnOptions } from './process-host.ts'

export interface PrestartedHost extends ProcessHost {
  /** Ends the started processes nobody took. */
  dispose(): void
}

const sameList = (a: readonly string[] = [], b: readonly string[] = []) => a.length === b.length && a.every((x, i) => x === b[i])
const sameEnv = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([name, value]) => b[name] === value)

/**
 * A host that serves `count` processes of `modulePath`, started now with `options`, before
 * starting more. `prepare`: sent to each at once, to start what its first jobs need meanwhile.
 */
export function prestartProcesses(
  host: ProcessHost,
  modulePath: string,
  options: SpawnOptions,
  count: number,
  prepare?: ToWorker,
): PrestartedHost {
  const waiting: { handle: ChildProcessHandle; exited: boolean }[] = []
  for (let i = 0; i < count; i++) {
    const entry = { handle: host.spawn(modulePath, options), exited: false }
    if (prepare) entry.handle.send(prepare)
    // One that died while waiting (its exit already reported, to nobody) is never handed out.
    entry.handle.onExit(() => (entry.exited = true))
    entry.handle.hold?.(false)
    waiting.push(entry)
  }
  return {
    name: host.name,
    spawn(path, spawnOptions = {}) {
      // Only for the same start: the same entry, flags, memory ceiling and environment.
      const same =
        path === modulePath &&
        sameList(spawnOptions.execArgv, options.execArgv) &&
        spawnOptions.memoryLimitMb === options.memoryLimitMb &&
        sameEnv(spawnOptions.env, options.env)
      while (same && waiting.length) {
        const { handle, exited } = waiting.shift()!
        if (exited) continue
        handle.hold?.(true)
        return handle
      }
      return host.spawn(path, spawnOptions)
    },
    dispose() {
      for (const { handle } of waiting.splice(0)) handle.kill()
    },
  }
}
