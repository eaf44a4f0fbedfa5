// Helpers for the kinds that stream one file into another (copy, compress, http-get):
// counting bytes as they pass, making the destination folder, and not leaving half a file.
import { mkdir, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

/** A pipeline stage that passes chunks through unchanged and reports the running byte count. */
export function countBytes(onBytes: (total: number) => void) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let total = 0
    for await (const chunk of source) {
      total += chunk.length
      onBytes(total)
      yield chunk
    }
  }
}

export async function ensureParentDir(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
}

/** A failed or cancelled write leaves a truncated file that looks complete: remove it. */
export async function removePartial(file: string): Promise<void> {
  await rm(file, { force: true }).catch(() => {})
}
