// The tail of a job's log file, for the window's log view and the API, with which parts of it
// came from stderr (log-streams.ts).
import { open } from 'node:fs/promises'
import { readStderrRanges, textWithStderr } from './log-streams.ts'

export interface LogTail {
  text: string
  /** [start, end) offsets in `text` of what the job wrote to stderr; the rest is stdout. */
  stderr: [number, number][]
  truncated: boolean
  file: string | null
}

export async function readLogTail(file: string, maxBytes: number): Promise<LogTail> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch {
    return { text: '', stderr: [], truncated: false, file: null }
  }
  try {
    const { size } = await handle.stat()
    const length = Math.min(size, maxBytes)
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, size - length)
    // The sidecar is read after the log: a range for bytes the log does not hold yet is cut at its end.
    const { text, stderr } = textWithStderr(
      buffer.subarray(0, bytesRead),
      size - length,
      await readStderrRanges(file, size - length),
    )
    return { text, stderr, truncated: size > length, file }
  } finally {
    await handle.close()
  }
}
