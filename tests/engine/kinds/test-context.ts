// A real JobContext for calling kinds directly in tests: a real AbortController, a real temp
// folder for outputs and the log file, and every progress report, log line and output chunk
// (with its stream) kept for asserts.
import { appendFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onAbortVia, type JobContext } from '../../../src/main/engine/kinds/context.ts'

export interface TestContext {
  ctx: JobContext
  controller: AbortController
  dir: string
  progress: { fraction: number; note?: string }[]
  logs: string[]
  /** Each output chunk, in order, with the stream it came from (text kept for the first 64 KiB only, so floods cost no memory). */
  outputs: { stream: 'stdout' | 'stderr'; text: string }[]
  /** The log file's contents so far (the output chunks, in order). */
  readLog(): Promise<string>
  cleanup(): Promise<void>
}

export interface TestContextOptions {
  /** Called on every progress report, e.g. to cancel at an exact point of a job. */
  onProgress?: (fraction: number, note: string | undefined, t: TestContext) => void
}

export async function makeTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-kinds-'))
  const controller = new AbortController()
  const progress: TestContext['progress'] = []
  const logs: string[] = []
  const outputs: TestContext['outputs'] = []
  let kept = 0
  const logPath = join(dir, 'job.log')

  const ctx: JobContext = {
    jobId: 1,
    attempt: 1,
    executor: 'thread',
    signal: controller.signal,
    onAbort: onAbortVia(controller.signal),
    async outputPath(fileName) {
      const out = join(dir, 'output')
      await mkdir(out, { recursive: true })
      return join(out, fileName)
    },
    progress(fraction, note) {
      if (!(fraction >= 0 && fraction <= 1)) throw new Error(`progress out of range: ${fraction}`)
      progress.push({ fraction, note })
      options.onProgress?.(fraction, note, t)
    },
    log(line) {
      logs.push(line)
    },
    logOutput(stream, chunk) {
      kept += chunk.length
      outputs.push({ stream, text: kept <= 65536 ? Buffer.from(chunk).toString('utf8') : '' })
      appendFileSync(logPath, chunk)
    },
    async logFile() {
      await writeFile(logPath, '', { flag: 'a' })
      return { path: logPath }
    },
  }

  const t: TestContext = {
    ctx,
    controller,
    dir,
    progress,
    logs,
    outputs,
    readLog: () => readFile(logPath, 'utf8').catch(() => ''),
    async cleanup() {
      await rm(dir, { recursive: true, force: true })
    },
  }
  return t
}

/** Runs `body` with a fresh context and always removes its temp folder. */
export async function withContext<T>(body: (t: TestContext) => Promise<T>, options?: TestContextOptions): Promise<T> {
  const t = await makeTestContext(options)
  try {
    return await body(t)
  } finally {
    await t.cleanup()
  }
}

/**
 * Aborts `controller` after `afterMs` with a recognisable reason and waits for the job to end.
 * A cancelled kind must reject with that very reason; `stopMs` is how long it took to notice.
 */
export async function cancelAfter(
  job: Promise<unknown>,
  controller: AbortController,
  afterMs: number,
): Promise<{ reason: Error; error: unknown; stopMs: number }> {
  const reason = new Error('cancelled by test')
  let abortedAt = Infinity
  const timer = setTimeout(() => {
    abortedAt = performance.now()
    controller.abort(reason)
  }, afterMs)
  let error: unknown
  try {
    await job
  } catch (err) {
    error = err
  }
  clearTimeout(timer)
  return { reason, error, stopMs: performance.now() - abortedAt }
}

/** Byte equality without a deep-equal walk over millions of elements (which takes seconds). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)
}
