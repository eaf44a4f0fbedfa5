// Entry of a worker thread: connects the worker runtime to the thread's parent port. When the
// engine shares a wake counter, an idle worker waits on it (Atomics.wait, no CPU) and pulls
// the next message itself with receiveMessageOnPort: a round trip then skips the event-loop
// wake-up, which is most of its latency.
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import type { RuntimeMessage, ToWorker, WorkerInit } from './protocol.ts'
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
const post = (message: RuntimeMessage) => apply(postMessage, port, [{ ...message, k: key }])
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
      ? (ms) => {
          const wake = init.wake!
          const seen = Atomics.load(wake, 0)
          let message = receiveMessageOnPort(port)
          if (!message && Atomics.wait(wake, 0, seen, ms) !== 'timed-out') message = receiveMessageOnPort(port)
          while (message) {
            deliver(message.message as ToWorker)
            message = receiveMessageOnPort(port)
          }
        }
      : undefined,
  },
  init,
)
