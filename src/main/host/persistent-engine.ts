// An engine backed by the job database in a data folder: lock the folder, open (or create)
// the database, bring back earlier jobs, and close everything in the right order.
import { mkdir } from 'node:fs/promises'
import {
  createEngine,
  endLeftoverGroups,
  JobStore,
  lockDataDir,
  type Engine,
  type EngineOptions,
  type LoadedState,
} from '../engine/index.ts'

export interface PersistentEngineOptions extends Omit<EngineOptions, 'dataDir' | 'store'> {
  dataDir: string
  /** Which earlier jobs come back into memory: all of them (app, web mode), none (a plain CLI run), or a filter. */
  restore: 'all' | 'none' | ((state: LoadedState) => number[] | 'all' | 'none')
  /** Keep a corrupt database aside and start a new one (the user asked for it). */
  moveAsideCorrupt?: boolean
  storeWorkerEntry?: string | URL
  /**
   * How many finished jobs to load besides the unfinished ones (default: the store's 50,000).
   * A caller that restores none of them says 0: a data folder with a long history otherwise
   * costs every start the loading of rows it throws away (seconds with 200,000 jobs).
   */
  loadFinished?: number
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
  await mkdir(options.dataDir, { recursive: true })
  const unlock = await lockDataDir(options.dataDir)
  let store: JobStore
  try {
    store = await JobStore.open({
      dataDir: options.dataDir,
      moveAsideCorrupt: options.moveAsideCorrupt,
      workerEntry: options.storeWorkerEntry,
    })
  } catch (error) {
    await unlock()
    throw error
  }
  // Commands a killed earlier run left behind end before any of their jobs can run again.
  await endLeftoverGroups(options.dataDir)
  const { restore, moveAsideCorrupt: _m, storeWorkerEntry: _s, loadFinished, ...engineOptions } = options
  const engine = createEngine({ ...engineOptions, store })
  const loaded = await store.load(loadFinished)
  const choice = typeof restore === 'function' ? restore(loaded) : restore
  const restored =
    choice === 'none'
      ? engine.restore({ ...loaded, jobs: [] })
      : engine.restore(loaded, choice === 'all' ? {} : { batches: choice })
  return {
    engine,
    store,
    restored,
    loaded,
    async close() {
      await engine.close()
      await store.close()
      await unlock()
    },
  }
}

/** A stored row as the view the UI and exports use (built by the engine's one view builder). */
export { storedToView } from '../engine/index.ts'
