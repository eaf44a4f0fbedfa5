// The tail of a job's log file, for the window's log view and the API.
import { open } from 'node:fs/promises'

export async function readLogTail(
  file: string,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean; file: string | null }> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch {
    return { text: '', truncated: false, file: null }
  }
  try {
    const { size } = await handle.stat()
    const length = Math.min(size, maxBytes)
    const buffer = Buffer.alloc(length)
    await handle.read(buffer, 0, length, size - length)
    return { text: buffer.toString('utf8'), truncated: size > length, file }
  } finally {
    await handle.close()
  }
}
