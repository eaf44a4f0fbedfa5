// The engine's public entry: everything outside src/main/engine imports from here.
export { createEngine } from './engine.ts'
export { forkProcessHost } from './executors/process-host.ts'
export type { ChildProcessHandle, ProcessHost, SpawnOptions } from './executors/process-host.ts'
export type { Engine, EngineChanges, EngineOptions, JobFilter, SubmitRequest } from './types.ts'
export { placementNote, placementSupported } from './placement.ts'
