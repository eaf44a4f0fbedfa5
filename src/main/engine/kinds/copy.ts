// Copies a file by streaming it, so progress is real and a cancel stops it mid-file
// (fs.copyFile is faster but reports nothing and cannot be interrupted).
import { createReadStream, createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { formatBytes, progressGate, rethrowIfAborted } from './pace.ts'
import { countBytes, ensureParentDir, removePartial } from './streams.ts'

export const copy: KindRunner<KindParams<'copy'>> = async (params, ctx) => {
  throwIfAborted(ctx.signal)
  const from = resolve(params.from)
  const to = resolve(params.to)
  // Opening the destination for writing would truncate the source before it is read.
  if (from === to) throw new Error(`destination is the source: ${from}`)
  const source = await stat(from)
  if (!source.isFile()) throw new Error(`not a file: ${from}`)
  await ensureParentDir(to)
  const report = progressGate(ctx)
  let bytes = 0
  try {
    await pipeline(
      createReadStream(from, { highWaterMark: 1 << 20 }),
      countBytes((n) => {
        bytes = n
        report(source.size > 0 ? n / source.size : 1, `${formatBytes(n)} of ${formatBytes(source.size)}`)
      }),
      createWriteStream(to),
      { signal: ctx.signal },
    )
  } catch (err) {
    await removePartial(to)
    rethrowIfAborted(ctx.signal, err)
  }
  return { from, to, bytes }
}
