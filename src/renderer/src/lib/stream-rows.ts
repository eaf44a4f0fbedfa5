// The task stream's rows, grouped by machine: this machine's workers first (live ones, then
// ones gone since they ran something in the window), then one row per cluster agent. A
// cluster's jobs all come back through one remote executor, so its worker row would lump every
// agent together; its segments carry the agent that ran them, and that is the row they go in.
import type { WorkerView } from '../../../shared/job.ts'
import type { RunSegment } from './run-segments.ts'

export interface StreamRow {
  /** `w:<worker id>` for this machine's workers, `m:<agent>` for a cluster agent. */
  key: string
  label: string
  sub: string
  /** The group it is drawn in: null for this machine. */
  machine: string | null
}

export function segmentRowKey(segment: RunSegment): string {
  return segment.machine ? `m:${segment.machine}` : `w:${segment.workerId}`
}

/**
 * `remoteWorkers`: ids of workers seen running cluster jobs (kept by the caller across frames,
 * so an idle remote executor is not shown as a local worker once its jobs scroll out).
 */
export function streamRows(
  workers: readonly WorkerView[],
  segments: readonly RunSegment[],
  remoteWorkers: Set<number>,
): StreamRow[] {
  for (const s of segments) if (s.machine) remoteWorkers.add(s.workerId)
  const local: StreamRow[] = workers
    .filter((w) => !remoteWorkers.has(w.id))
    .map((w) => ({
      key: `w:${w.id}`,
      label: `#${w.id} ${w.executor === 'thread' ? 'thread' : 'process'}`,
      sub: `${w.lane}${w.core !== null ? ` · core ${w.core}` : ''}`,
      machine: null,
    }))
  const known = new Set(workers.map((w) => w.id))
  const gone = [...new Set(segments.filter((s) => !s.machine && !known.has(s.workerId)).map((s) => s.workerId))]
    .sort((a, b) => a - b)
    .map((id) => ({ key: `w:${id}`, label: `#${id}`, sub: 'gone', machine: null }))
  const agents = [...new Set(segments.filter((s) => s.machine).map((s) => s.machine as string))]
    .sort()
    .map((name) => ({ key: `m:${name}`, label: name, sub: 'cluster agent', machine: name }))
  return [...local, ...gone, ...agents]
}
