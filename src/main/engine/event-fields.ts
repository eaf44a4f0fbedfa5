// The fields of a worker event, checked before they touch a job. Events are the worker
// runtime's own, but a user script shares its worker and can post lookalikes for its own job;
// these keep such values from reaching the job, the database or the window in a shape they
// cannot hold. (Results are checked by isJsonTree, in json-result.ts.)
import type { ResultFileRef } from '../../shared/job.ts'
import type { FailureCode } from './worker/protocol.ts'

const MAX_ERROR_LENGTH = 4000
const FAILURE_CODES: ReadonlySet<string> = new Set<FailureCode>(['job-error', 'timeout', 'cancelled', 'exit-code'])
/**
 * A remote machine's engine also says how its own workers ended a job (its memory ceiling, a
 * crash, params it refused): those codes come from that engine, not from job code sharing a
 * worker with the runtime, so they are kept.
 */
const REMOTE_FAILURE_CODES: ReadonlySet<string> = new Set<FailureCode>([
  ...(FAILURE_CODES as Set<FailureCode>),
  'out-of-memory',
  'worker-crashed',
  'invalid-params',
])

export function timeOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : Date.now()
}

/** `remote`: reported by an executor on another machine (see REMOTE_FAILURE_CODES). */
export function failureCodeOf(value: unknown, remote = false): FailureCode {
  const codes = remote ? REMOTE_FAILURE_CODES : FAILURE_CODES
  return typeof value === 'string' && codes.has(value) ? (value as FailureCode) : 'job-error'
}

export function messageOf(value: unknown): string {
  return String(value).slice(0, MAX_ERROR_LENGTH)
}

export function resultFileOf(value: unknown): ResultFileRef | null {
  if (value === null || typeof value !== 'object') return null
  const { file, bytes } = value as { file?: unknown; bytes?: unknown }
  return typeof file === 'string' && typeof bytes === 'number' ? { file, bytes } : null
}
