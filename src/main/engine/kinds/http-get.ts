// Fetches a URL with the global fetch, streaming the body so a large download never sits in
// memory: bytes are counted, and written to `saveTo` when given.
import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { formatBytes, progressGate, rethrowIfAborted } from './pace.ts'
import { countBytes, ensureParentDir, removePartial } from './streams.ts'

/** fetch reports every network failure as "fetch failed"; the cause says which one. */
function describeFetchError(err: unknown, url: string): Error {
  if (!(err instanceof Error)) return new Error(`fetch failed: ${url}`)
  const cause = err.cause instanceof Error ? err.cause : undefined
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined
  if (!cause) return err
  return new Error(`${err.message} for ${url}: ${code && !cause.message.includes(code) ? `${code} ` : ''}${cause.message}`, {
    cause: err,
  })
}

export const httpGet: KindRunner<KindParams<'http-get'>> = async ({ url, saveTo }, ctx) => {
  const { signal } = ctx
  throwIfAborted(signal)
  let response: Response
  try {
    response = await fetch(url, { signal, redirect: 'follow' })
  } catch (err) {
    throwIfAborted(signal)
    throw describeFetchError(err, url)
  }

  // A non-2xx status fails the job rather than succeeding with the status in its result:
  // a failed job is what a user filters for, retries, and what retries/backoff act on.
  if (!response.ok) {
    await response.body?.cancel().catch(() => {})
    throw new Error(`HTTP ${response.status} ${response.statusText}`.trimEnd())
  }

  const lengthHeader = Number(response.headers.get('content-length'))
  // With content-encoding, the header counts compressed bytes but fetch yields decoded ones.
  const length = Number.isFinite(lengthHeader) && lengthHeader > 0 ? lengthHeader : 0
  const report = progressGate(ctx)
  let bytes = 0
  const onBytes = (n: number) => {
    bytes = n
    report(length > 0 ? n / length : 0, `${formatBytes(n)}${length > 0 ? ` of ${formatBytes(length)}` : ''}`)
  }
  const file = saveTo === undefined ? undefined : resolve(saveTo)
  const body = response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([])
  try {
    if (file) {
      await ensureParentDir(file)
      await pipeline(body, countBytes(onBytes), createWriteStream(file), { signal })
    } else {
      for await (const chunk of body as AsyncIterable<Buffer>) onBytes(bytes + chunk.length)
    }
  } catch (err) {
    if (file) await removePartial(file)
    rethrowIfAborted(signal, err)
  }
  return {
    status: response.status,
    bytes,
    contentType: response.headers.get('content-type'),
    ...(file ? { savedTo: file } : {}),
  }
}
