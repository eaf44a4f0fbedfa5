// Worker threads that could not be ended. Worker.terminate() stops a thread's JavaScript, but
// not a thread blocked in a system call (a read of a pipe nobody writes, the open of a FIFO
// with no writer, a spawnSync waiting on its child): such a thread never exits, and Node would
// wait for it forever, both for the worker's 'exit' and when the process itself exits (Node
// joins every worker thread on the way out, even on process.exit). The engine gives up on one
// after ABANDON_MS (its jobs end as if it had gone, see worker-handle.ts); this module keeps
// the ones still stuck, so the process can leave without waiting for them (exitPastStuckThreads).
import type { Worker } from 'node:worker_threads'

/** How long after terminate() a thread that has not exited is taken as stuck in a system call. */
export const ABANDON_MS = 1000

const stuck = new Set<Worker>()

/** The thread would not end: it is no longer waited for, nor does it keep the process alive. */
export function abandonThread(worker: Worker): void {
  stuck.add(worker)
  worker.once('exit', () => stuck.delete(worker))
  worker.unref()
  // Its stdout and stderr streams each hold a reference on the worker's internal port until
  // they end; ended here, since the thread that would end them is stuck. Anything it prints
  // after it is unblocked is dropped (a push after the end is an error, kept quiet).
  for (const stream of [worker.stdout, worker.stderr]) {
    if (!stream) continue
    stream.on('error', () => undefined)
    stream.push(null)
    stream.resume()
  }
}

/** Threads given up on that are still stuck. */
export function stuckThreads(): number {
  return stuck.size
}

/**
 * For a process's 'exit' handler: when a thread is still stuck, Node's own exit would wait for
 * it forever, so the process becomes `/bin/sh -c 'exit <code>'` instead (execve ends every
 * thread at once, and the exit code is kept). Everything must already be flushed: nothing
 * else runs after this. Without execve (Windows) or /bin/sh, Node's exit is left to wait.
 */
export function exitPastStuckThreads(code: number): void {
  if (stuck.size === 0 || typeof process.execve !== 'function') return
  try {
    process.execve('/bin/sh', ['sh', '-c', `exit ${code & 0xff}`], {})
  } catch {
    // No /bin/sh: nothing better to do than Node's own exit.
  }
}
