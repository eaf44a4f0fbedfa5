// Entry of a worker thread: connects the worker runtime to the thread's parent port. When the
// engine shares a wake counter, an idle worker waits on it (Atomics.wait, no CPU) and pulls
// the next message itself with receiveMessageOnPort: a round trip then skips the event-loop
// wake-up, which is most of its latency.
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import type { FromWorker, RuntimeMessage, ToWorker, WorkerInit } from './protocol.ts'
import { WorkerRuntime } from './runtime.ts'

if (!parentPort) throw new Error('thread-entry must run as a worker thread')
const port = parentPort
// Job code shares this thread: it can read workerData and patch MessagePort.prototype or
// Function.prototype.call. The key is taken out of workerData before any job runs, and posting
// goes through the method (and Reflect.apply) as they were at start-up, so the key stays in
// this closure.
const { key, ...init } = workerData as WorkerInit
delete (workerData as Partial<WorkerInit>).key
const postMessage = MessagePort.prototype.postMessage
const apply = Reflect.apply
// The runtime makes each message for this one post, so the key is added to it, not to a copy.
const post = (message: RuntimeMessage) => {
  ;(message as FromWorker).k = key
  apply(postMessage, port, [message])
}
let deliver: (message: ToWorker) => void = () => undefined

// A message from the engine that cannot be read (it never should be): say so on stderr, which
// the engine keeps for the crash report, and end the worker so its jobs are put back.
port.on('messageerror', (error) => {
  process.stderr.write(`Error: a message from the engine could not be read: ${error.message}\n`)
  process.exit(1)
})

/**
 * Waits on the wake counter and takes what the engine posted. The engine bumps the counter
 * once after each post, so the count since the last take says how many messages may wait (fewer
 * if the event loop's listener took some meanwhile): a round trip asks the port once, not
 * once to look, once to take and once more to find it empty.
 */
function awaitMessages(wake: Int32Array): (ms: number) => void {
  // The count up to which posted messages have been taken here or by the loop's listener. From
  // 0, not the count now: what the engine posted before this thread started may still wait.
  let taken = 0
  return (ms) => {
    let count = Atomics.load(wake, 0)
    if (count === taken) {
      if (Atomics.wait(wake, 0, taken, ms) === 'timed-out') return
      count = Atomics.load(wake, 0)
    }
    // (The counter wraps past 2^31 posts; the difference stays right.)
    let waiting = (count - taken) | 0
    taken = count
    while (waiting-- > 0) {
      const message = receiveMessageOnPort(port)
      if (!message) break
      deliver(message.message as ToWorker)
    }
  }
}

new WorkerRuntime(
  {
    post,
    onMessage: (listener: (message: ToWorker) => void) => {
      deliver = listener
      port.on('message', listener)
    },
    exit: () => process.exit(0),
    awaitMessages: init.wake ? awaitMessages(init.wake) : undefined,
  },
  init,
)
