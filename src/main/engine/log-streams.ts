// Which bytes of a job's log came from stderr. The worker writes stdout and stderr to one log,
// in the order it reads them (so the interleaving users see is kept), and appends one line per
// stderr write to a sidecar (data-layout.ts's stderrRangesPath): `start end\n`, byte offsets in
// the log, end exclusive. Everything not in a range is stdout. The sidecar is append-only, so
// a reader may find a half-written last line (skipped) and ranges that touch (merged here).
// One reading of it serves the window's log view (read-log.ts), `--results` (stdout and
// stderr written apart) and the joblog's Receive (stdout's bytes), so there is one split.
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { stderrRangesPath } from './data-layout.ts'

/** [start, end) byte offsets of the log. */
export type ByteRange = readonly [number, number]

/** The sidecar's text as sorted, merged ranges. */
export function parseRanges(text: string): ByteRange[] {
  const ranges: [number, number][] = []
  for (const line of text.split('\n')) {
    const match = /^(\d+) (\d+)$/.exec(line)
    if (!match) continue
    const start = Number(match[1])
    const end = Number(match[2])
    if (end > start) ranges.push([start, end])
  }
  ranges.sort((a, b) => a[0] - b[0])
  const merged: [number, number][] = []
  for (const range of ranges) {
    const last = merged[merged.length - 1]
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1])
    else merged.push(range)
  }
  return merged
}

/** The first read of a sidecar's end, for a log's tail; it grows fourfold until it reaches back far enough. */
const TAIL_CHUNK = 16 * 1024

/**
 * The stderr ranges of a log file that end after byte `from` (none when it has no sidecar:
 * all stdout). Ranges are appended in the order of the log's bytes, so those of a log's tail
 * are at the sidecar's end: a job that wrote a million stderr lines is followed without
 * reading all of them every second.
 */
export async function readStderrRanges(logFile: string, from = 0): Promise<ByteRange[]> {
  let handle
  try {
    handle = await open(stderrRangesPath(logFile), 'r')
  } catch {
    return []
  }
  try {
    const { size } = await handle.stat()
    for (let chunk = from === 0 ? size : TAIL_CHUNK; ; chunk *= 4) {
      const length = Math.min(size, chunk)
      const buffer = Buffer.alloc(length)
      const { bytesRead } = await handle.read(buffer, 0, length, size - length)
      let text = buffer.toString('utf8', 0, bytesRead)
      // Not from the start: the first line may be cut; it is read whole by the next, longer read if needed.
      if (length < size) text = text.slice(text.indexOf('\n') + 1)
      const ranges = parseRanges(text)
      if (length === size || (ranges.length > 0 && ranges[0]![1] <= from)) return ranges.filter(([, end]) => end > from)
    }
  } finally {
    await handle.close()
  }
}

/** How many bytes of a log came from stdout (GNU parallel's joblog Receive counts those); 0 for no log. */
export async function stdoutBytes(logFile: string): Promise<number> {
  const size = await stat(logFile).then(
    (info) => info.size,
    () => 0,
  )
  if (size === 0) return 0
  let stderr = 0
  for (const [start, end] of await readStderrRanges(logFile)) stderr += Math.max(0, Math.min(end, size) - start)
  return size - stderr
}

/** One stretch of the log from one stream. */
export interface LogSegment {
  stream: 'stdout' | 'stderr'
  start: number
  end: number
}

/** The log's bytes [from, to) cut into stdout and stderr stretches, in order. */
export function segments(ranges: readonly ByteRange[], from: number, to: number): LogSegment[] {
  const out: LogSegment[] = []
  let at = from
  for (const [start, end] of ranges) {
    if (end <= at) continue
    if (start >= to) break
    if (start > at) out.push({ stream: 'stdout', start: at, end: start })
    const stop = Math.min(end, to)
    out.push({ stream: 'stderr', start: Math.max(start, at), end: stop })
    at = stop
  }
  if (at < to) out.push({ stream: 'stdout', start: at, end: to })
  return out
}

/**
 * A slice of the log (`buffer` holds its bytes from offset `base`) as text, with the stderr
 * stretches as [start, end) offsets in that text (UTF-16 units, what the window indexes by).
 */
export function textWithStderr(
  buffer: Buffer,
  base: number,
  ranges: readonly ByteRange[],
): { text: string; stderr: [number, number][] } {
  let text = ''
  const stderr: [number, number][] = []
  for (const part of segments(ranges, base, base + buffer.length)) {
    const piece = buffer.toString('utf8', part.start - base, part.end - base)
    if (part.stream === 'stderr') stderr.push([text.length, text.length + piece.length])
    text += piece
  }
  return { text, stderr }
}

/** Copies a log's stdout bytes to `stdout` and its stderr bytes to `stderr`, streaming (a log may be large). */
export async function splitLog(logFile: string, size: number, stdout: Writable, stderr: Writable): Promise<void> {
  const ranges = await readStderrRanges(logFile)
  for (const part of segments(ranges, 0, size)) {
    const target = part.stream === 'stderr' ? stderr : stdout
    for await (const chunk of createReadStream(logFile, { start: part.start, end: part.end - 1 })) {
      if (!target.write(chunk)) await new Promise((resolve) => target.once('drain', resolve))
    }
  }
}
