// How a job's outcome becomes an event: which results travel inline and which go to a file,
// what a large result keeps as its summary, and how an error is classified.
import { writeFile } from 'node:fs/promises'
import { LARGE_RESULT_FILE } from '../data-layout.ts'
import { isJsonTree } from '../json-result.ts'
import type { ResultFileRef } from '../../../shared/job.ts'
import { AbortReason, type RunningJob } from './running-job.ts'
import type { FailureCode } from './protocol.ts'

/** Results larger than this are written to a file instead of travelling through messages. */
export const INLINE_RESULT_LIMIT = 64 * 1024

export function classify(error: unknown, job: RunningJob): { code: FailureCode; message: string } {
  if (error instanceof AbortReason || job.stopReason) {
    const reason = (job.stopReason ?? (error as AbortReason)).reason
    return reason === 'timeout' ? { code: 'timeout', message: 'timed out' } : { code: 'cancelled', message: 'cancelled' }
  }
  const err = error as { code?: unknown; message?: unknown } | null
  const message = err && typeof err.message === 'string' ? err.message : String(error)
  if (err?.code === 'exit-code') return { code: 'exit-code', message }
  return { code: 'job-error', message }
}

/** At most this many fields with short names, each a number, boolean, null or short string: cannot reach INLINE_RESULT_LIMIT. */
const SMALL_FLAT_FIELDS = 32
const SMALL_FLAT_STRING = 1024

function isSmallFlat(result: object): boolean {
  // Plain objects only: a class instance, a Map or a Promise takes the JSON path below.
  const proto: unknown = Object.getPrototypeOf(result)
  if (proto !== Object.prototype && proto !== null) return false
  let fields = 0
  for (const key in result) {
    if (++fields > SMALL_FLAT_FIELDS || key.length > SMALL_FLAT_STRING) return false
    const value = (result as Record<string, unknown>)[key]
    const type = typeof value
    if (type === 'string') {
      if ((value as string).length > SMALL_FLAT_STRING) return false
    } else if (value !== null && type !== 'number' && type !== 'boolean' && type !== 'undefined') return false
  }
  return true
}

/**
 * Results travel as messages, are stored as JSON and are shown in the window, so the fast path
 * takes only what is certainly all three: null, a boolean, a number, a string of inline size,
 * or a small flat plain object. Anything else goes through JSON (see succeededSlow).
 */
export function isInlineResult(result: unknown): boolean {
  if (result === null) return true
  switch (typeof result) {
    case 'boolean':
    case 'number':
      return true
    case 'string':
      return result.length <= INLINE_RESULT_LIMIT
    case 'object':
      return isSmallFlat(result)
    default:
      return false
  }
}

/** Keeps only the JSON scalar fields of a large result, as a summary next to its file. */
export function summarise(result: unknown): unknown {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return null
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(result)) {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') out[key] = value
    else if (typeof value === 'number') out[key] = Number.isFinite(value) ? value : null
  }
  return out
}

/**
 * A result outside the fast path, as JSON: a copy that the database and the window can hold
 * and that is always safe to post (a function or a class instance in a result would otherwise
 * crash the worker, taking the other jobs on it down too). Cycles and BigInts fail the job with
 * a clear message, and so does nesting deeper than the engine keeps: such a value can be
 * cloned here but not read back on the engine's smaller stack, and the message carrying it
 * (with every other event in it) would be lost.
 */
export async function jsonResult(
  job: RunningJob,
  value: unknown,
): Promise<{ result: unknown; resultFile: ResultFileRef | null }> {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    throw new Error(`the result cannot be saved as JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  }
  if (text === undefined) return { result: null, resultFile: null }
  if (text.length > INLINE_RESULT_LIMIT) {
    const file = await job.outputPath(LARGE_RESULT_FILE)
    await writeFile(file, text)
    return { result: summarise(value), resultFile: { file, bytes: Buffer.byteLength(text) } }
  }
  const result: unknown = JSON.parse(text)
  if (!isJsonTree(result)) throw new Error('the result is nested too deeply to be kept (more than 200 levels)')
  return { result, resultFile: null }
}
