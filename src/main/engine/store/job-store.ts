// The engine's handle on its database: a worker thread running SQLite (see store-worker.ts).
// Writes are fire-and-forget batches the worker keeps until they are committed (retrying
// after a failure); `flush` says whether every earlier write is. Every request is answered:
// with its value, or with an error when the worker fails, exits, or its answer cannot be read.
import { Worker } from 'node:worker_threads'
import { databasePath } from '../data-layout.ts'
import type {
  BatchRow,
  BatchSummary,
  Durability,
  FromStore,
  HistoryFilter,
  HistoryPage,
  InputRanges,
  JobRowTuple,
  LoadScope,
  StoredBatch,
  StoredJob,
  StoppedRows,
  NamedRow,
  ToStore,
} from './rows.ts'

export class StoreError extends Error {
  /**
   * `corrupt`: the file is damaged or not a database; `unwritable`: it cannot be opened for
   * writing; `missing`: no database there (read-only opens); `failed`: anything else.
   */
  readonly code: 'corrupt' | 'unwritable' | 'missing' | 'failed'
  constructor(message: string, code: StoreError['code']) {
    super(message)
    this.name = 'StoreError'
    this.code = code
  }
}

export interface LoadedState {
  jobs: StoredJob[]
  batches: BatchRow[]
  maxJobId: number
  maxBatchId: number
  maxSeq: number
}

export interface StoreOptions {
  /** The data folder; the database is `corelane.db` inside it. */
  dataDir: string
  /** Move a corrupt database aside (keeping it) and start a new one, instead of failing. */
  moveAsideCorrupt?: boolean
  /** Read only: nothing is written or created (history). */
  readOnly?: boolean
  /** Overrides the worker entry (the Electron build passes its bundled file). */
  workerEntry?: string | URL
  /** A thread startStoreThread started earlier, to use instead of starting one (workerEntry is then ignored). */
  thread?: StoreThread
}

/** A store's thread, started before the store is opened (see startStoreThread). */
export interface StoreThread {
  readonly worker: Worker
  /** Set when the thread failed or exited before its store took it. */
  failure: StoreError | null
}

/**
 * Starts a store's thread ahead of `JobStore.open`: a thread takes tens of milliseconds to
 * start, which a caller can overlap with its own start-up (the CLI's one-job run). Until a
 * store takes it, it holds nothing open (unreferenced: a caller that never opens a store can
 * still exit) and does nothing but start.
 */
export function startStoreThread(entry: string | URL = STORE_ENTRY): StoreThread {
  const worker = new Worker(entry, { name: 'corelane-store' })
  worker.unref()
  const thread: StoreThread = { worker, failure: null }
  worker.on('error', (error) => (thread.failure ??= new StoreError(`the store worker failed: ${error.message}`, 'failed')))
  worker.once('exit', (code) => (thread.failure ??= new StoreError(`the store worker exited (code ${code})`, 'failed')))
  return thread
}

const STORE_ENTRY = new URL('./store-worker.ts', import.meta.url)

/** What a batch's first write should carry: set before submitting, attached to the next new batch from that source. */
export interface BatchExpectation {
  source: string
  total: number | null
  root?: number | null
}

const CODES = new Set(['corrupt', 'unwritable', 'missing'])

export class JobStore {
  readonly file: string
  /** Where a corrupt database was moved, when it was. */
  movedAside: string | null = null
  private readonly worker: Worker
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  private dead: StoreError | null = null
  private state: Durability = { durable: true, pendingJobs: 0, error: null }
  private readonly listeners = new Set<(state: Durability) => void>()
  private expectation: BatchExpectation | null = null
  private readonly seenBatches = new Set<number>()

  private constructor(file: string, entry: string | URL | StoreThread) {
    this.file = file
    if (typeof entry === 'object' && 'worker' in entry) {
      this.worker = entry.worker
      this.worker.ref()
      this.dead = entry.failure
    } else this.worker = new Worker(entry, { name: 'corelane-store' })
    this.worker.on('message', (message: FromStore) => {
      if (message.t === 'write-state') {
        const { t: _t, ...state } = message
        this.setState(this.withLoss(state))
        return
      }
      const waiter = this.pending.get(message.id)
      if (!waiter) return
      this.pending.delete(message.id)
      if (message.ok) waiter.resolve(message.value)
      else
        waiter.reject(
          new StoreError(message.error, CODES.has(message.code ?? '') ? (message.code as StoreError['code']) : 'failed'),
        )
    })
    // An answer that cannot be deserialised here carries no id: fail every open request rather than leave one waiting forever.
    this.worker.on('messageerror', (error) =>
      this.failAll(new StoreError(`an answer from the store could not be read: ${error.message}`, 'failed'), false),
    )
    this.worker.on('error', (error) => this.failAll(new StoreError(`the store worker failed: ${error.message}`, 'failed'), true))
    this.worker.on('exit', (code) => this.failAll(new StoreError(`the store worker exited (code ${code})`, 'failed'), true))
  }

  private failAll(error: StoreError, fatal: boolean): void {
    if (fatal) this.dead ??= error
    for (const waiter of this.pending.values()) waiter.reject(error)
    this.pending.clear()
  }

  static async open(options: StoreOptions): Promise<JobStore> {
    const file = databasePath(options.dataDir)
    const store = new JobStore(file, options.thread ?? options.workerEntry ?? STORE_ENTRY)
    try {
      const { movedAside } = (await store.request({
        t: 'open',
        id: 0,
        file,
        moveAsideCorrupt: options.moveAsideCorrupt ?? false,
        readOnly: options.readOnly ?? false,
      })) as { movedAside: string | null }
      store.movedAside = movedAside
    } catch (error) {
      await store.worker.terminate()
      throw error
    }
    return store
  }

  private request(message: ToStore & { id: number }): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      try {
        this.worker.postMessage({ ...message, id })
      } catch (error) {
        this.pending.delete(id)
        reject(new StoreError(`the request could not be sent to the store: ${(error as Error).message}`, 'failed'))
      }
    })
  }

  /**
   * The next batch written with this source gets `total` (and `root`) in the same transaction
   * as its first jobs, so a cut-short submit is recognisable later (see BatchSummary.stored).
   */
  expectBatch(expectation: BatchExpectation): void {
    this.expectation = expectation
  }

  write(jobs: JobRowTuple[], batches: BatchRow[]): void {
    if (!jobs.length && !batches.length) return
    const expected = this.expectation
    if (expected) {
      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!
        if (this.seenBatches.has(batch.id) || batch.source !== expected.source) continue
        batches[i] = { ...batch, total: expected.total, root: expected.root ?? null, complete: false }
        this.expectation = null
        break
      }
    }
    for (const batch of batches) this.seenBatches.add(batch.id)
    if (this.dead) return
    try {
      this.worker.postMessage({ t: 'write', jobs, batches } satisfies ToStore)
    } catch (error) {
      // Rows that cannot be copied must not throw into the engine's persist timer: reported as a failed write.
      this.lost += jobs.length
      this.lostError = `rows could not be sent to the store: ${(error as Error).message}`
      this.setState(this.withLoss(this.state))
    }
  }

  /** Rows that never reached the worker: no retry can save them, so no flush may call the store durable again. */
  private lost = 0
  private lostError: string | null = null

  private withLoss(state: Durability): Durability {
    if (!this.lost) return state
    return { durable: false, pendingJobs: state.pendingJobs + this.lost, error: state.error ?? this.lostError }
  }

  private setState(state: Durability): void {
    this.state = state
    for (const listener of this.listeners) listener(state)
  }

  /** Marks a batch fully written: committed with (or after) every job row sent before this call. */
  markComplete(batchId: number): void {
    if (!this.dead) this.worker.postMessage({ t: 'complete', batchId } satisfies ToStore)
  }

  /** Whether every write so far has been committed, as the worker last said. */
  get durability(): Durability {
    return this.state
  }

  /** Called when writes start failing (durable: false, with the error) and when they land again. */
  onDurability(listener: (state: Durability) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The last write error while writes are failing (disk full, say); null once they land. */
  get lastWriteError(): string | null {
    return this.state.error
  }

  /** Tries every earlier write now; says whether all of them are committed. */
  async flush(): Promise<Durability> {
    this.state = this.withLoss((await this.request({ t: 'flush', id: 0 })) as Durability)
    return this.state
  }

  /** Resolves once every earlier write is committed (retrying as the worker does), or when `signal` aborts. */
  async whenDurable(signal?: AbortSignal): Promise<Durability> {
    let state = await this.flush()
    // Lost rows cannot come back: waiting would be forever.
    while (!state.durable && !this.lost && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250)
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
      })
      state = await this.flush()
    }
    return state
  }

  async load(scope: LoadScope = { recent: 50_000 }): Promise<LoadedState> {
    const loaded = (await this.request({ t: 'load', id: 0, scope })) as LoadedState & { movedAside?: string | null }
    if (loaded.movedAside) this.movedAside = loaded.movedAside
    delete loaded.movedAside
    return loaded
  }

  /** Stored batches (of one source, or all), oldest first, each with its count of stored jobs and its total (--resume). */
  async runBatches(source: string | null = null): Promise<BatchSummary[]> {
    return (await this.request({ t: 'run-batches', id: 0, source })) as BatchSummary[]
  }

  /** The input indices these batches hold a job for, as ranges (a resumed stream skips them). */
  async inputRanges(batchIds: number[]): Promise<InputRanges> {
    return (await this.request({ t: 'input-ranges', id: 0, batchIds })) as InputRanges
  }

  async history(filter: HistoryFilter): Promise<HistoryPage> {
    return (await this.request({ t: 'history', id: 0, filter })) as HistoryPage
  }

  /** The newest batches with their job counts (the History view's batch names). */
  async batches(limit = 1000): Promise<StoredBatch[]> {
    return (await this.request({ t: 'batches', id: 0, limit })) as StoredBatch[]
  }

  /** A job's params as written (null: no such job in the database yet). */
  async params(jobId: number): Promise<Record<string, unknown> | null> {
    return (await this.request({ t: 'params', id: 0, jobId })) as Record<string, unknown> | null
  }

  /** What retried jobs of a streamed batch had stopped, read from their rows (see store-queries.ts, stoppedRows). */
  async stoppedRows(batchId: number, roots: number[], dependencies: number[]): Promise<StoppedRows> {
    return (await this.request({ t: 'stopped', id: 0, batchId, roots, dependencies })) as StoppedRows
  }

  /** The batch's job named `name` nearest before input `before`, from its row (see store-queries.ts, namedRow). */
  async namedRow(batchId: number, name: string, before: number): Promise<NamedRow | null> {
    return (await this.request({ t: 'named', id: 0, batchId, name, before })) as NamedRow | null
  }

  /** Closes the database after one last try of pending writes; says whether they all landed. */
  async close(): Promise<Durability> {
    const state = (await this.request({ t: 'close', id: 0 }).catch(() => this.state)) as Durability
    await this.worker.terminate()
    return state
  }
}
