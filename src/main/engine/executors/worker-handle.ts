// The engine's side of one worker, thread or process: starts it, speaks the protocol, and
// tells the engine how it ended. Both executors look the same from here on, which keeps the
// door open for other executors (a remote worker is just another channel).
import { randomUUID } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { WORKER_VIEW_JOB_IDS, type ExecutorType, type Lane, type WorkerView } from '../../../shared/job.ts'
import type { JobRecord } from '../job-record.ts'
import type { FromWorker, JobMessage, ToWorker, WorkerInit, WorkerMode } from '../worker/protocol.ts'
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

export interface WorkerExit {
  code: number | null
  signal: string | null
  outOfMemory: boolean
  message: string
}

interface Channel {
  send(message: ToWorker): void
  terminate(): void
  readonly pid: number | null
}

export interface WorkerHooks {
  onHello(worker: WorkerHandle, pid: number, tid: number | null): void
  onEvents(worker: WorkerHandle, events: unknown[]): void
  onExit(worker: WorkerHandle, exit: WorkerExit): void
}

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
}

export class WorkerHandle {
  readonly id: number
  readonly executor: ExecutorType
  readonly lane: Lane
  readonly mode: WorkerMode
  /** Dedicated workers carry a memory ceiling and retire after their one job. */
  readonly memoryMb: number
  readonly startedAt = Date.now()
  /** Its runtime has said hello (the one message that names its pid and thread). */
  private greeted = false
  pid: number | null = null
  tid: number | null = null
  state: WorkerView['state'] = 'starting'
  /** Jobs handed to this worker and not yet finished, in the order they were sent. */
  readonly assigned = new Set<JobRecord>()
  jobsDone = 0
  /** Jobs it has reported started and not yet ended (kept by the engine, so views need not count). */
  runningJobs = 0
  pinnedCore: number | null = null
  core: number | null = null
  cpuPercent: number | null = null
  cpuTimeMs: number | null = null
  /** When cpuTimeMs was last read (performance.now()), for the CPU % between two samples. */
  sampledAt: number | null = null
  /** Expected milliseconds of work still assigned, from each kind's recent durations. */
  expectedMs = 0
  exited = false
  /** Set when the engine terminated this worker to stop one job (the others on it are requeued). */
  forcedBy: number | null = null
  /** Called once the worker has exited, after the engine's own exit handling. */
  onExited: (() => void) | null = null
  private readonly channel: Channel

  constructor(spec: WorkerSpawnSpec, hooks: WorkerHooks) {
    this.id = spec.id
    this.executor = spec.executor
    this.lane = spec.lane
    this.mode = spec.mode
    this.memoryMb = spec.memoryMb
    const key = randomUUID()
    const init: WorkerInit = { workerId: spec.id, executor: spec.executor, mode: spec.mode, dataDir: spec.dataDir, key }
    // Workers run user scripts, which can post on the worker's own channel (process.send,
    // parentPort): only messages sealed with this worker's key (which job code cannot read)
    // are the runtime's, anything else is dropped, and only the runtime's first hello names
    // the thread.
    const receive = (raw: unknown) => {
      if (raw === null || typeof raw !== 'object') return
      const message = raw as FromWorker
      if (message.k !== key) return
      if (message.t === 'ev') {
        if (Array.isArray(message.e)) hooks.onEvents(this, message.e)
      } else if (message.t === 'hello' && !this.greeted && isId(message.pid) && (message.tid === null || isId(message.tid))) {
        this.greeted = true
        this.pid = message.pid
        this.tid = message.tid
        if (this.state === 'starting') this.state = this.assigned.size ? 'busy' : 'idle'
        hooks.onHello(this, message.pid, message.tid)
      }
    }
    const exit = (info: WorkerExit) => {
      if (this.exited) return
      this.exited = true
      hooks.onExit(this, info)
      this.onExited?.()
    }
    this.channel = spec.executor === 'thread' ? startThread(spec, init, receive, exit) : startProcess(spec, init, receive, exit)
  }

  get busy(): boolean {
    return this.assigned.size > 0
  }

  /** A shared pool worker of this lane and executor that can take jobs (not memory-dedicated, not leaving). */
  serves(lane: Lane, executor: ExecutorType): boolean {
    return this.lane === lane && this.executor === executor && this.memoryMb === 0 && this.state !== 'stopping'
  }

  run(jobs: JobRecord[], messages: JobMessage[]): void {
    for (const job of jobs) this.assigned.add(job)
    if (this.state === 'idle') this.state = 'busy'
    this.channel.send({ t: 'run', jobs: messages })
  }

  cancel(job: JobRecord, reason: 'cancel' | 'timeout'): void {
    this.channel.send({ t: 'cancel', id: job.id, reason })
  }

  /** Asks the worker to finish and exit; it leaves when its jobs are done. */
  stop(): void {
    this.state = 'stopping'
    this.channel.send({ t: 'stop' })
  }

  /** Ends the worker now: the only way to stop a job that ignores its abort signal. */
  terminate(): void {
    this.state = 'stopping'
    this.channel.terminate()
  }

  /** Up to WORKER_VIEW_JOB_IDS running jobs, stopping as soon as it has them: a view must not cost O(jobs held). */
  private someRunningIds(): number[] {
    const ids: number[] = []
    const wanted = Math.min(this.runningJobs, WORKER_VIEW_JOB_IDS)
    if (wanted === 0) return ids
    for (const job of this.assigned) {
      if (job.state !== 'running') continue
      ids.push(job.id)
      if (ids.length >= wanted) break
    }
    return ids
  }

  toView(): WorkerView {
    return {
      id: this.id,
      executor: this.executor,
      lane: this.lane,
      pid: this.pid ?? this.channel.pid,
      tid: this.tid,
      state: this.state,
      running: this.runningJobs,
      jobIds: this.someRunningIds(),
      core: this.core,
      cpuPercent: this.cpuPercent,
      cpuTimeMs: this.cpuTimeMs,
      pinnedCore: this.pinnedCore,
      startedAt: this.startedAt,
      jobsDone: this.jobsDone,
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
    workerData: wake ? { ...init, wake } : init,
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
  worker.on('exit', (code) => {
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
    terminate: () => void worker.terminate(),
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
