// Globals the renderer relies on: Vite's client types, the bridge the Electron preload exposes
// as `window.corelane` (absent in web mode, where the WebSocket transport is used), and
// `data-*` attributes in templates (test hooks), which strict template checking rejects otherwise.
/// <reference types="vite/client" />
import type { CorelaneApi } from '../../shared/contract.ts'

declare global {
  interface Window {
    corelane?: CorelaneApi
  }
}

declare module '@vue/runtime-dom' {
  interface HTMLAttributes {
    [key: `data-${string}`]: unknown
  }
}

export {}
