// The sandboxed preload: exposes `window.corelane` (a CorelaneApi built from the contract)
// and nothing else. A sandboxed preload can require only 'electron' and a few builtins, so
// the build bundles src/shared into this file (out/preload/index.cjs).
import { contextBridge, ipcRenderer } from 'electron'
import { createPreloadApi } from './api.ts'

contextBridge.exposeInMainWorld('corelane', createPreloadApi(ipcRenderer))
