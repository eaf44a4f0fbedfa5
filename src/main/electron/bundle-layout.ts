// Where the built desktop app's files are, from the folder of its main bundle (out/main, laid
// out by electron.vite.config.ts). In a packaged app that folder is inside the asar archive
// (resources/app.asar/out/main): Electron reads the preload and the renderer from there, starts
// worker threads from there (Electron sets up asar support in worker threads) and utilityProcess
// children from there too, so nothing here needs unpacking. Pure paths, tested against a real
// archive of the built output (tests/electron/packaging.test.ts).
import { join } from 'node:path'

export interface BundleLayout {
  preload: string
  rendererDir: string
  workerEntries: { thread: string; process: string }
  monitorEntry: string
  storeEntry: string
}

export function bundleLayout(mainDir: string): BundleLayout {
  return {
    preload: join(mainDir, '../preload/index.cjs'),
    rendererDir: join(mainDir, '../renderer'),
    workerEntries: { thread: join(mainDir, 'thread-entry.js'), process: join(mainDir, 'process-entry.js') },
    monitorEntry: join(mainDir, 'monitor-worker.js'),
    storeEntry: join(mainDir, 'store-worker.js'),
  }
}
