// Entry of a worker process: connects the worker runtime to whichever channel started it,
// Electron's utilityProcess (process.parentPort) or Node's child_process.fork (process.send).
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts'
import { WorkerRuntime, type WorkerPort } from './runtime.ts'

interface ParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): void
}

function connect(): { port: WorkerPort; init: Promise<WorkerInit> } {
  const listeners: ((message: ToWorker) => void)[] = []
  // Messages can arrive before the runtime is listening (init and run in one chunk): keep them.
  const early: ToWorker[] = []
  let resolveInit!: (init: WorkerInit) => void
  const init = new Promise<WorkerInit>((resolve) => (resolveInit = resolve))
  const deliver = (message: ToWorker) => {
    if (message.t === 'init') resolveInit(message.init)
    if (listeners.length === 0) early.push(message)
    for (const listener of listeners) listener(message)
  }
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
  let post: (message: FromWorker) => void
  if (parentPort) {
    parentPort.on('message', (event) => deliver(event.data as ToWorker))
    post = (message) => parentPort.postMessage(message)
  } else if (process.send) {
    process.on('message', (message) => deliver(message as ToWorker))
    // The engine going away must not leave orphaned workers behind.
    process.on('disconnect', () => process.exit(0))
    post = (message) => process.send?.(message)
  } else {
    throw new Error('process-entry must be started by the engine (fork or utilityProcess)')
  }
  const port: WorkerPort = {
    post,
    onMessage: (listener) => {
      listeners.push(listener)
      for (const message of early.splice(0)) listener(message)
    },
    exit: () => {
      // Let the last message leave before exiting.
      setImmediate(() => process.exit(0))
    },
  }
  return { port, init }
}

const { port, init } = connect()
void init.then((workerInit) => new WorkerRuntime(port, workerInit))
