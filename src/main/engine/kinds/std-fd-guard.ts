// A thread shares the file descriptors of the whole Corelane process: a thread script that
// calls `fs.closeSync(1)` would close the CLI's own standard output (the next write kills it
// with EBADF, and the next file opened would take fd 1 and receive the CLI's output). In a
// worker thread, `fs.close`/`fs.closeSync` refuse fds 0, 1 and 2 with EBADF-like errors
// instead; a process worker has its own descriptors and is left alone.
import fs from 'node:fs'
import { isMainThread } from 'node:worker_threads'

let installed = false

function refusal(fd: number): NodeJS.ErrnoException {
  return Object.assign(
    new Error(
      `EPERM: a thread script may not close fd ${fd}: it is Corelane's own standard stream (use executor: "process" to own your descriptors)`,
    ),
    {
      code: 'EPERM',
      errno: -1,
      syscall: 'close',
    },
  )
}

/** Installs the guard in this worker thread (once); a no-op on the main thread. */
export function guardStandardStreams(): void {
  if (installed || isMainThread) return
  installed = true
  const closeSync = fs.closeSync
  const close = fs.close
  fs.closeSync = (fd: number) => {
    if (fd >= 0 && fd <= 2) throw refusal(fd)
    closeSync(fd)
  }
  fs.close = ((fd: number, callback?: (error: NodeJS.ErrnoException | null) => void) => {
    if (fd >= 0 && fd <= 2) {
      const error = refusal(fd)
      if (callback) process.nextTick(callback, error)
      else throw error
      return
    }
    close(fd, callback)
  }) as typeof fs.close
}
