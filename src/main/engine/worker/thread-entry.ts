// Entry of a worker thread: connects the worker runtime to the thread's parent port.
import { parentPort, workerData } from 'node:worker_threads'
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts'
import { WorkerRuntime } from './runtime.ts'

if (!parentPort) throw new Error('thread-entry must run as a worker thread')
const port = parentPort

new WorkerRuntime(
  {
    post: (message: FromWorker) => port.postMessage(message),
    onMessage: (listener: (message: ToWorker) => void) => port.on('message', listener),
    exit: () => process.exit(0),
  },
  workerData as WorkerInit,
)
