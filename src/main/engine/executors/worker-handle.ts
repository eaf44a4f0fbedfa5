// The engine's side of one local worker, thread or process: starts it, speaks the protocol,
// and tells the engine how it ended. It is an Executor (executors/executor.ts) like any other;
// what only local workers have (a pid and thread to pin and sample) is kept here too.
import { randomUUID } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import type { ExecutorType, Lane, WorkerView } from '../../../shared/job.ts'
import type { FromWorker, JobMessage, ToWorker, WorkerInit, WorkerMode } from '../worker/protocol.ts'
import type { Executor, ExecutorExit, ExecutorHooks } from './executor.ts'
import { ExecutorLoad } from './executor-load.ts'
import { ABANDON_MS, abandonThread } from './abandoned-threads.ts'
import { TailBuffer, type ProcessHost } from './process-host.ts'

const isId = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0

/** The most telling line of a crashed worker's stderr (V8 prints its fatal error last but one). */
function lastWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  const fatal = lines.find((line) => line.startsWith('FATAL ERROR') || line.startsWith('Error'))
  return fatal ?? lines.at(-1) ?? ''
}

export type WorkerExit = ExecutorExit

interface Channel {
  send(message: ToWorker): void
  terminate(): void
  readonly pid: number | null
}

export type WorkerHooks = ExecutorHooks

export interface WorkerSpawnSpec {
  id: number
  executor: ExecutorType
  lane: Lane
  mode: WorkerMode
  dataDir: string
  memoryMb: number
  entries: { thread: string | URL; process: string }
  processHost: ProcessHost
  /** Extra environment for the worker (the compile cache folder). */
  env: Record<string, string>
  /** The engine run's part of its jobs' process tags (tagged-processes.ts). */
  tagRun: string
  /** The pool's spin gate, shared with serial thread workers (spin-gate.ts). */
  spinGate: Int32Array
}

export class WorkerHandle implements Executor {
  readonly id: number
  readonly executor: ExecutorType
  readonly lane: Lane
  readonly mode: WorkerMode
  readonly machine = null
  /** Local workers are bounded by the engine's CPU slots and I/O concurrency, not by a capacity of their own. */
  readonly capacity = Infinity
  readonly load = new ExecutorLoad()
  /** Dedicated workers carry a memory ceiling and retire after their one job. */
  readonly memoryMb: number
  readonly startedAt = Date.now()
  /** Its runtime has said hello (the one message that names its pid and thread). */
  private greeted = false
  #pid: number | null = null
  #tid: number | null = null
  #leaving = false
  #exited = false
  #pinnedCore: number | null = null
  #core: number | null = null
  #cpuPercent: number | null = null
  #cpuTimeMs: number | null = null
  /** When cpuTimeMs was last read (performance.now()), for the CPU % between two samples. */
  #sampledAt: number | null = null
  private readonly channel: Channel

  constructor(spec: WorkerSpawnSpec, hooks: WorkerHooks) {
    this.id = spec.id
    this.executor = spec.executor
    this.lane = spec.lane
    this.mode = spec.mode
    this.memoryMb = spec.memoryMb
    const key = randomUUID()
    const init: WorkerInit = {
      workerId: spec.id,
      executor: spec.executor,
      mode: spec.mode,
      dataDir: spec.dataDir,
      key,
      tagRun: spec.tagRun,
    }
    // Workers run user scripts, which can post on the worker's own channel (process.send,
    // parentPort): only messages sealed with this worker's key (which job code cannot read)
    // are the runtime's, anything else is dropped, and only the runtime's first hello names
    // the thread.
    const receive = (raw: unknown) => {
      // A thread given up on (stuck in a system call) may still deliver messages once it is
      // unblocked: its jobs have been settled or put back, so nothing it says counts any more.
      if (this.#exited || raw === null || typeof raw !== 'object') return
      const message = raw as FromWorker
      if (message.k !== key) return
      if (message.t === 'ev') {
        if (Array.isArray(message.e)) hooks.onEvents(this, message.e)
      } else if (message.t === 'hello' && !this.greeted && isId(message.pid) && (message.tid === null || isId(message.tid))) {
        this.greeted = true
        this.#pid = message.pid
        this.#tid = message.tid
        hooks.onHello(this, message.pid, message.tid)
      }
    }
    const exit = (info: WorkerExit) => {
      if (this.#exited) return
      this.#exited = true
      hooks.onExit(this, info)
    }
    this.channel = spec.executor === 'thread' ? startThread(spec, init, receive, exit) : startProcess(spec, init, receive, exit)
  }

  get pid(): number | null {
    return this.#pid
  }

  /** Its kernel thread (Linux), once its runtime said hello. */
  get tid(): number | null {
    return this.#tid
  }

  get exited(): boolean {
    return this.#exited
  }

  get pinnedCore(): number | null {
    return this.#pinnedCore
  }

  get state(): WorkerView['state'] {
    if (this.#leaving) return 'stopping'
    if (!this.greeted) return 'starting'
    return this.load.busy ? 'busy' : 'idle'
  }

  /** A shared pool worker of this lane and executor that can take jobs (not memory-dedicated, not leaving). */
  serves(lane: Lane, executor: ExecutorType): boolean {
    return this.lane === lane && this.executor === executor && this.memoryMb === 0 && !this.#leaving
  }

  run(messages: JobMessage[]): void {
    this.channel.send({ t: 'run', jobs: messages })
  }

  cancel(jobId: number, reason: 'cancel' | 'timeout'): void {
    this.channel.send({ t: 'cancel', id: jobId, reason })
  }

  /** Asks the worker to finish and exit; it leaves when its jobs are done. */
  stop(): void {
    this.#leaving = true
    this.channel.send({ t: 'stop' })
  }

  /** Ends the worker now: the only way to stop a job that ignores its abort signal. */
  terminate(): void {
    this.#leaving = true
    this.channel.terminate()
  }

  /** The core it is pinned to (null: none), as the pool set it with taskset. */
  pinned(core: number | null): void {
    this.#pinnedCore = core
  }

  /** A /proc sample of its thread: the core it last ran on and its CPU time, taken at `now` (performance.now()). */
  sampled(core: number, cpuTimeMs: number, now: number): void {
    if (this.#sampledAt !== null && this.#cpuTimeMs !== null && now > this.#sampledAt) {
      this.#cpuPercent = Math.min(100, Math.max(0, ((cpuTimeMs - this.#cpuTimeMs) / (now - this.#sampledAt)) * 100))
    }
    this.#core = core
    this.#cpuTimeMs = cpuTimeMs
    this.#sampledAt = now
  }

  toView(): WorkerView {
    return {
      id: this.id,
      executor: this.executor,
      lane: this.lane,
      pid: this.#pid ?? this.channel.pid,
      tid: this.#tid,
      state: this.state,
      running: this.load.running,
      jobIds: this.load.someRunningIds(),
      core: this.#core,
      cpuPercent: this.#cpuPercent,
      cpuTimeMs: this.#cpuTimeMs,
      pinnedCore: this.#pinnedCore,
      startedAt: this.startedAt,
      jobsDone: this.load.jobsDone,
    }
  }
}

function startThread(
  spec: WorkerSpawnSpec,
  init: WorkerInit,
  receive: (message: unknown) => void,
  exit: (info: WorkerExit) => void,
): Channel {
  // Serial thread workers share a wake counter (see WorkerInit.wake): bumped after each post.
  const wake = spec.mode === 'serial' ? new Int32Array(new SharedArrayBuffer(4)) : null
  const worker = new Worker(spec.entries.thread, {
    workerData: wake ? { ...init, wake, spinGate: spec.spinGate } : init,
    // Job console output is routed to job logs inside the worker; anything else is kept here.
    stderr: true,
    stdout: true,
    env: { ...process.env, ...spec.env },
    name: `corelane-${spec.lane}-${spec.id}`,
    // The shared I/O worker holds every in-flight job's promises and timers for as long as the
    // jobs wait; a larger young generation lets it copy them fewer times before promoting them
    // (measured: 100k sleeps end about 40 ms sooner). V8 grows it only when allocation needs it.
    resourceLimits: spec.memoryMb
      ? { maxOldGenerationSizeMb: spec.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.min(64, spec.memoryMb >> 3)) }
      : spec.mode === 'concurrent'
        ? { maxYoungGenerationSizeMb: 64 }
        : undefined,
  })
  let error: (Error & { code?: string }) | null = null
  const tail = new TailBuffer()
  worker.stderr.on('data', (chunk: Buffer) => tail.push(chunk))
  worker.stdout.resume()
  worker.on('message', receive)
  // A message that cannot be read (one nested deeper than this thread's stack can unpack) may
  // have been the runtime's own, carrying the events of jobs that would then never end: the
  // worker is ended, so its jobs are failed or put back as after a crash.
  worker.on('messageerror', (err: Error) => {
    error ??= new Error(`a message from the worker could not be read (${err.message})`)
    void worker.terminate()
  })
  worker.on('error', (err: Error & { code?: string }) => {
    error = err
  })
  let abandon: NodeJS.Timeout | undefined
  worker.on('exit', (code) => {
    clearTimeout(abandon)
    const outOfMemory = error?.code === 'ERR_WORKER_OUT_OF_MEMORY'
    exit({
      code,
      signal: null,
      outOfMemory,
      message: outOfMemory
        ? `out of memory (limit ${spec.memoryMb} MiB)`
        : error
          ? `worker thread crashed: ${error.message}`
          : `worker thread exited with code ${code}${tail.text() ? `: ${lastWords(tail.text())}` : ''}`,
    })
  })
  return {
    send: (message) => {
      worker.postMessage(message)
      if (wake) {
        Atomics.add(wake, 0, 1)
        Atomics.notify(wake, 0)
      }
    },
    terminate: () => {
      void worker.terminate()
      // A thread blocked in a system call ignores terminate(): after ABANDON_MS it is left to
      // itself (abandoned-threads.ts) and reported gone, so its jobs end and a new thread takes
      // its place. Its real exit, if it ever comes, is then ignored.
      abandon ??= setTimeout(() => {
        abandonThread(worker)
        exit({
          code: null,
          signal: null,
          outOfMemory: false,
          message: `worker thread did not end within ${ABANDON_MS} ms of being stopped (blocked in a system call): abandoned`,
        })
      }, ABANDON_MS)
    },
    pid: process.pid,
  }
}

function startProcess(
  spec: WorkerSpawnSpec,
  init: WorkerInit,
  receive: (message: unknown) => void,
  exit: (info: WorkerExit) => void,
): Channel {
  const execArgv = spec.memoryMb ? [`--max-old-space-size=${spec.memoryMb}`] : []
  const child = spec.processHost.spawn(spec.entries.process, {
    execArgv,
    env: spec.env,
    serviceName: `corelane-${spec.lane}-${spec.id}`,
  })
  child.onMessage(receive)
  child.onExit((code, signal) => {
    const stderr = child.stderrTail?.() ?? ''
    // V8 aborts the process when it reaches its heap limit.
    const outOfMemory = spec.memoryMb > 0 && (signal === 'SIGABRT' || signal === 'SIGTRAP' || code === 134)
    exit({
      code,
      signal,
      outOfMemory,
      message: outOfMemory
        ? `out of memory (limit ${spec.memoryMb} MiB)`
        : signal
          ? `worker process killed by ${signal}`
          : `worker process exited with code ${code}${stderr ? `: ${lastWords(stderr)}` : ''}`,
    })
  })
  child.send({ t: 'init', init })
  return {
    send: (message) => child.send(message),
    terminate: () => child.kill(),
    get pid() {
      return child.pid ?? null
    },
  }
}
