// The engine's public entry: everything outside src/main/engine imports from here.
export { createEngine } from './engine.ts'
export { forkProcessHost } from './executors/process-host.ts'
export type { ChildProcessHandle, ProcessHost, SpawnOptions } from './executors/process-host.ts'
export type { Engine, EngineChanges, EngineOptions, JobFilter, SubmitRequest } from './types.ts'
export { placementNote, placementSupported } from './placement.ts'
export { startMonitor } from './monitor/monitor.ts'
export type { Monitor, MonitorOptions } from './monitor/monitor.ts'
export { DEFAULT_HZ as MONITOR_DEFAULT_HZ, MAX_HZ as MONITOR_MAX_HZ, MIN_HZ as MONITOR_MIN_HZ } from './monitor/protocol.ts'
