// electron-vite 6 (Vite 8 / Rolldown) build for the desktop app.
//
//   out/main/index.js               Electron main process (ESM, "type": "module")
//   out/main/thread-entry.js        worker_threads entry      \
//   out/main/process-entry.js       utilityProcess entry       } own files, so the engine can
//   out/main/monitor-worker.js      systeminformation sampler /  start them by path
//   out/main/store-worker.js        node:sqlite job database  /
//   out/preload/index.cjs           sandboxed preload: must be CommonJS, everything bundled in
//   out/renderer/                   Vue UI (also served to a browser in web mode)
//
// Dependencies of main are externalized by default since electron-vite 5 (`build.externalizeDeps`,
// default true), so no `externalizeDepsPlugin()` here.
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const root = import.meta.dirname

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          'thread-entry': resolve(root, 'src/main/engine/worker/thread-entry.ts'),
          'process-entry': resolve(root, 'src/main/engine/worker/process-entry.ts'),
          'monitor-worker': resolve(root, 'src/main/engine/monitor/monitor-worker.ts'),
          'store-worker': resolve(root, 'src/main/engine/store/store-worker.ts'),
        },
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can only `require('electron')` (and a few polyfilled builtins):
      // bundle every dependency (valibot via src/shared) into one self-contained CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
          codeSplitting: false,
        },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [vue()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: {
        input: { index: resolve(root, 'src/renderer/index.html') },
      },
    },
  },
})
