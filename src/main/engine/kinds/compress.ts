// Gzips or brotli-compresses a file into another, streaming, so any size fits in memory.
import { createReadStream, createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { constants, createBrotliCompress, createGzip } from 'node:zlib'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { formatBytes, progressGate, rethrowIfAborted } from './pace.ts'
import { countBytes, ensureParentDir, removePartial } from './streams.ts'

// One level field serves both formats: gzip takes 0..9 and brotli's quality 0..11.
function compressor(format: 'gzip' | 'brotli', level: number, sizeHint: number) {
  if (format === 'gzip') return createGzip({ level: Math.min(9, Math.max(0, level)) })
  return createBrotliCompress({
    params: {
      [constants.BROTLI_PARAM_QUALITY]: Math.min(11, Math.max(0, level)),
      [constants.BROTLI_PARAM_SIZE_HINT]: sizeHint,
    },
  })
}

export const compress: KindRunner<KindParams<'compress'>> = async (params, ctx) => {
  throwIfAborted(ctx.signal)
  const input = resolve(params.input)
  const output = resolve(params.output)
  if (input === output) throw new Error(`output must differ from input: ${input}`)
  const source = await stat(input)
  if (!source.isFile()) throw new Error(`not a file: ${input}`)
  const size = source.size
  await ensureParentDir(output)
  const report = progressGate(ctx)
  let bytesIn = 0
  const sink = createWriteStream(output)
  try {
    await pipeline(
      createReadStream(input, { highWaterMark: 1 << 20 }),
      countBytes((n) => {
        bytesIn = n
        report(size > 0 ? n / size : 1, `${formatBytes(n)} read`)
      }),
      compressor(params.format, params.level, size),
      sink,
      { signal: ctx.signal },
    )
  } catch (err) {
    await removePartial(output)
    rethrowIfAborted(ctx.signal, err)
  }
  const bytesOut = sink.bytesWritten
  // Compressed size as a fraction of the original: 0.25 means a quarter of the size.
  const ratio = bytesIn > 0 ? Math.round((bytesOut / bytesIn) * 10000) / 10000 : 0
  return { input, output, bytesIn, bytesOut, ratio }
}
