// The engine's handle on its database: a worker thread running SQLite (see store-worker.ts).
// Writes are fire-and-forget batches; `flush` waits until every earlier write is committed.
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { BatchRow, FromStore, HistoryFilter, HistoryPage, JobRowTuple, StoredBatch, StoredJob, ToStore } from './rows.ts'

export class StoreError extends Error {
  /** `corrupt`: the file is not a usable database; `unwritable`: it cannot be opened for writing. */
  readonly code: 'corrupt' | 'unwritable' | 'failed'
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
  /** Overrides the worker entry (the Electron build passes its bundled file). */
  workerEntry?: string | URL
}

export class JobStore {
  readonly file: string
  /** Where a corrupt database was moved, when it was. */
  movedAside: string | null = null
  private readonly worker: Worker
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  private writeError: string | null = null

  private constructor(file: string, entry: string | URL) {
    this.file = file
    this.worker = new Worker(entry, { name: 'corelane-store' })
    this.worker.on('message', (message: FromStore) => {
      if (message.t === 'write-error') {
        this.writeError = message.error
        return
      }
      const waiter = this.pending.get(message.id)
      if (!waiter) return
      this.pending.delete(message.id)
      if (message.ok) waiter.resolve(message.value)
      else {
        const code = message.code === 'corrupt' || message.code === 'unwritable' ? message.code : 'failed'
        waiter.reject(new StoreError(message.error, code))
      }
    })
    this.worker.on('error', (error) => {
      for (const waiter of this.pending.values())
        waiter.reject(new StoreError(`the store worker failed: ${error.message}`, 'failed'))
      this.pending.clear()
    })
  }

  static async open(options: StoreOptions): Promise<JobStore> {
    const file = join(options.dataDir, 'corelane.db')
    const store = new JobStore(file, options.workerEntry ?? new URL('./store-worker.ts', import.meta.url))
    try {
      const { movedAside } = (await store.request({
        t: 'open',
        id: 0,
        file,
        moveAsideCorrupt: options.moveAsideCorrupt ?? false,
      })) as {
        movedAside: string | null
      }
      store.movedAside = movedAside
    } catch (error) {
      await store.worker.terminate()
      throw error
    }
    return store
  }

  private request(message: ToStore & { id: number }): Promise<unknown> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ ...message, id })
    })
  }

  write(jobs: JobRowTuple[], batches: BatchRow[]): void {
    if (jobs.length || batches.length) this.worker.postMessage({ t: 'write', jobs, batches } satisfies ToStore)
  }

  /** The last write that failed (disk full, say), so the host can tell the user. */
  get lastWriteError(): string | null {
    return this.writeError
  }

  async flush(): Promise<void> {
    await this.request({ t: 'flush', id: 0 })
  }

  async load(limit = 50_000): Promise<LoadedState> {
    return (await this.request({ t: 'load', id: 0, limit })) as LoadedState
  }

  async history(filter: HistoryFilter): Promise<HistoryPage> {
    return (await this.request({ t: 'history', id: 0, filter })) as HistoryPage
  }

  async batches(limit = 1000): Promise<StoredBatch[]> {
    return (await this.request({ t: 'batches', id: 0, limit })) as StoredBatch[]
  }

  /** A job's params as written (null: no such job in the database yet). */
  async params(jobId: number): Promise<Record<string, unknown> | null> {
    return (await this.request({ t: 'params', id: 0, jobId })) as Record<string, unknown> | null
  }

  async close(): Promise<void> {
    await this.request({ t: 'close', id: 0 }).catch(() => undefined)
    await this.worker.terminate()
  }
}
