// Entry of a worker thread: connects the worker runtime to the thread's parent port. When the
// engine shares a wake counter, an idle worker waits on it (Atomics.wait, no CPU) and pulls
// the next message itself with receiveMessageOnPort: a round trip then skips the event-loop
// wake-up, which is most of its latency.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts'
import { WorkerRuntime } from './runtime.ts'

if (!parentPort) throw new Error('thread-entry must run as a worker thread')
const port = parentPort
const init = workerData as WorkerInit
let deliver: (message: ToWorker) => void = () => undefined

new WorkerRuntime(
  {
    post: (message: FromWorker) => port.postMessage(message),
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
