// An engine backed by the job database in a data folder: lock the folder, open (or create)
// the database, bring back earlier jobs, and close everything in the right order.
import {
  createEngine,
  endLeftoverGroups,
  JobStore,
  lockDataDir,
  prepareDataDir,
  type Engine,
  type EngineOptions,
  type LoadedState,
  type StoreThread,
} from '../engine/index.ts'

export interface PersistentEngineOptions extends Omit<EngineOptions, 'dataDir' | 'store'> {
  dataDir: string
  /**
   * Which earlier jobs come back into memory: the unfinished and newest finished ones (app,
   * web mode), none (a plain CLI run), or every job of the batches a function picks from the
   * open store (--resume: any batch, of any size).
   */
  restore: 'all' | 'none' | ((store: JobStore) => Promise<number[]>)
  /** Keep a corrupt database aside and start a new one (the user asked for it). */
  moveAsideCorrupt?: boolean
  storeWorkerEntry?: string | URL
  /** The store's thread, started earlier (startStoreThread) so that its start overlapped the caller's. */
  storeThread?: StoreThread
  /**
   * How many finished jobs to load besides the unfinished ones (default: the store's 50,000).
   * A caller that restores none of them says 0: a data folder with a long history otherwise
   * costs every start the loading of rows it throws away (seconds with 200,000 jobs). With a
   * `restore` function, 0 loads only the picked batches' jobs that a resumed run runs again
   * (a streamed batch counts its finished ones in the database instead of holding them).
   */
  loadFinished?: number
  /** With loadFinished 0: the picked batches' failed and timed-out jobs come back too (--resume-failed). */
  loadFailed?: boolean
}

export interface PersistentEngine {
  engine: Engine
  store: JobStore
  /** What came back from the database. */
  restored: { restored: number; interrupted: number[] }
  loaded: LoadedState
  close(): Promise<void>
}

export async function openPersistentEngine(options: PersistentEngineOptions): Promise<PersistentEngine> {
  await prepareDataDir(options.dataDir)
  const unlock = await lockDataDir(options.dataDir)
  // Commands a killed earlier run left behind end before any of their jobs can run again (they
  // are awaited before anything is restored), while the database opens.
  const leftovers = endLeftoverGroups(options.dataDir)
  let store: JobStore | null = null
  let engine: Engine | null = null
  // Every failure below closes what was opened, so a refused folder never leaves a lock or a thread behind.
  try {
    store = await JobStore.open({
      dataDir: options.dataDir,
      moveAsideCorrupt: options.moveAsideCorrupt,
      workerEntry: options.storeWorkerEntry,
      thread: options.storeThread,
    })
    await leftovers
    const {
      restore,
      moveAsideCorrupt: _m,
      storeWorkerEntry: _s,
      storeThread: _t,
      loadFinished,
      loadFailed,
      ...engineOptions
    } = options
    const batches = typeof restore === 'function' ? await restore(store) : null
    const loaded = await store.load(
      batches
        ? { batches, finished: loadFinished !== 0, failed: loadFailed }
        : restore === 'none'
          ? { batches: [] }
          : { recent: loadFinished ?? 50_000 },
    )
    engine = createEngine({ ...engineOptions, store })
    const restored = restore === 'none' ? engine.restore({ ...loaded, jobs: [] }) : engine.restore(loaded)
    const opened = { engine, store }
    return {
      engine,
      store,
      restored,
      loaded,
      async close() {
        await opened.engine.close()
        await opened.store.close()
        await unlock()
      },
    }
  } catch (error) {
    await engine?.close().catch(() => undefined)
    await store?.close().catch(() => undefined)
    await leftovers
    await unlock()
    throw error
  }
}

/** A stored row as the view the UI and exports use (built by the engine's one view builder). */
export { storedToView } from '../engine/index.ts'
