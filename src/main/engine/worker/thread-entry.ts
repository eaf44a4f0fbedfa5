// Entry of a worker thread: connects the worker runtime to the thread's parent port. When the
// engine shares a wake counter, an idle worker waits on it for the next message
// (message-wait.ts) instead of returning to its event loop.
import { MessagePort, parentPort, workerData } from 'node:worker_threads'
import { SPIN_MS, messageWaiter } from './message-wait.ts'
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

new WorkerRuntime(
  {
    post,
    onMessage: (listener: (message: ToWorker) => void) => {
      deliver = listener
      port.on('message', listener)
    },
    exit: () => process.exit(0),
    awaitMessages: init.wake
      ? messageWaiter(
          port,
          init.wake,
          (message) => deliver(message as ToWorker),
          init.spinGate ? { ms: SPIN_MS, gate: init.spinGate } : null,
        )
      : undefined,
  },
  init,
)
