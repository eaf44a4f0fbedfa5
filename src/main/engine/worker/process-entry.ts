// Entry of a worker process: connects the worker runtime to whichever channel started it,
// Electron's utilityProcess (process.parentPort) or Node's child_process.fork (process.send).
import { prestartServer } from '../kinds/shell-server.ts'
import { processStatSync } from '../process-groups.ts'
import type { RuntimeMessage, ToWorker, WorkerInit } from './protocol.ts'
import type { WorkerPort, WorkerRuntime } from './runtime.ts'

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
    // The entry's own: the runtime is not made yet (it waits for init).
    if (message.t === 'prepare') return prepare(message)
    if (message.t === 'init') resolveInit(message.init)
    if (listeners.length === 0) early.push(message)
    for (const listener of listeners) listener(message)
  }
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
  // Job code shares this process: the key arrives in the init message (before any job runs)
  // and stays in this closure; the send functions are the ones there were at start-up.
  let key = ''
  void init.then((workerInit) => (key = workerInit.key))
  let post: (message: RuntimeMessage) => void
  if (parentPort) {
    const postMessage = parentPort.postMessage.bind(parentPort)
    parentPort.on('message', (event) => deliver(event.data as ToWorker))
    post = (message) => postMessage({ ...message, k: key })
  } else if (process.send) {
    const send = process.send.bind(process)
    process.on('message', (message) => deliver(message as ToWorker))
    // The engine going away (even by kill -9) must not leave orphaned workers behind, nor
    // their commands (each in a group of its own) or a script's children (in this worker's group).
    process.on('disconnect', () => void leave())
    post = (message) => send({ ...message, k: key })
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

/** Starts what the first jobs will need while the engine is still starting (warm-start.ts). */
function prepare({ shell }: { shell: boolean }): void {
  // A shell server takes a few milliseconds to start, on the first shell job's path otherwise.
  // (Imported with the entry, not on demand: an import made now would wait for the runtime's.)
  if (shell) void prestartServer()
}

let runtime: WorkerRuntime | null = null

async function leave(): Promise<void> {
  await runtime?.endCommands()
  // Leading a group of its own (the fork host starts workers so), the worker ends with
  // whatever its scripts started and left in it; otherwise it just exits.
  if (processStatSync(process.pid)?.pgrp === process.pid) process.kill(-process.pid, 'SIGKILL')
  process.exit(0)
}

const { port, init } = connect()
// The runtime and what it imports, most of a worker's own start, load after one turn of the
// loop: a `prepare` already sent (with the spawn) is read in that turn, and the shell server it
// asks for starts while they load, instead of after them (an import does not yield to the loop).
const loading = new Promise((resolve) => setImmediate(resolve)).then(() => import('./runtime.ts'))
void Promise.all([init, loading]).then(
  ([{ key: _key, ...runtimeInit }, { WorkerRuntime }]) => (runtime = new WorkerRuntime(port, runtimeInit)),
)
