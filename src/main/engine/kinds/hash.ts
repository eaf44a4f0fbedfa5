// Hashes a file, or generated data, with node:crypto. `rounds` feeds the same data through
// one hash that many times, so the digest is that of the data repeated `rounds` times and
// can be checked against any other tool.
import { createHash } from 'node:crypto'
import type { Hash } from 'node:crypto'
import { constants, createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { JobContext, KindRunner } from './context.ts'
import { formatBytes, pacer, progressGate, rethrowIfAborted } from './pace.ts'

const MIB = 1 << 20

let pattern: Buffer | undefined

/** One fixed MiB of noise-like bytes (xorshift32, fixed seed): the same data in every run. */
export function generatedMiB(): Buffer {
  if (pattern) return pattern
  const words = new Uint32Array(MIB / 4)
  let x = 0x9e3779b9
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  pattern = Buffer.from(words.buffer)
  return pattern
}

async function hashGenerated(hash: Hash, mib: number, rounds: number, ctx: JobContext): Promise<number> {
  const data = generatedMiB()
  const total = mib * rounds
  const pace = pacer(ctx)
  for (let done = 0; done < total;) {
    hash.update(data)
    done++
    if (pace.due()) await pace.breathe(done / total, `${done} of ${total} MiB`)
  }
  return total * MIB
}

/**
 * Opened non-blocking and checked with fstat before any read: a FIFO (or a device, a socket)
 * would block a read in the thread pool until a writer appears, holding a pool thread that
 * other file jobs need, beyond the reach of the job's timeout. Only regular files are hashed,
 * as `copy` and `compress` do.
 */
async function hashFile(hash: Hash, file: string, rounds: number, ctx: JobContext): Promise<number> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new Error(`not a regular file: ${file}`)
    const size = info.size
    const report = progressGate(ctx)
    let bytes = 0
    for (let round = 0; round < rounds; round++) {
      const stream = createReadStream('', { fd: handle, start: 0, autoClose: false, highWaterMark: MIB, signal: ctx.signal })
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk)
          bytes += chunk.length
          report(size * rounds > 0 ? bytes / (size * rounds) : 1, `${formatBytes(bytes)} hashed`)
        }
      } catch (err) {
        rethrowIfAborted(ctx.signal, err)
      }
    }
    return bytes
  } finally {
    await handle.close()
  }
}

export const hash: KindRunner<KindParams<'hash'>> = async ({ file, mib, rounds, algorithm }, ctx) => {
  throwIfAborted(ctx.signal)
  const h = createHash(algorithm)
  const bytes = file !== undefined ? await hashFile(h, resolve(file), rounds, ctx) : await hashGenerated(h, mib ?? 1, rounds, ctx)
  return { digest: h.digest('hex'), bytes, rounds, algorithm }
}
