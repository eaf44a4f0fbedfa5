// A job's log text cut into lines for the details panel, each piece marked with the stream it
// came from (the engine answers the stderr stretches as offsets into the text), and filtered
// to one stream on request. A line may hold both (a program that printed half a line to
// stdout and the rest to stderr): it is marked as having stderr.

export type LogFilter = 'all' | 'stdout' | 'stderr'

export interface LogPiece {
  text: string
  stderr: boolean
}

export interface LogLine {
  pieces: LogPiece[]
  /** Some of it came from stderr. */
  stderr: boolean
}

/** The text's stretches in order, each from one stream. */
function stretches(text: string, stderr: readonly (readonly [number, number])[]): LogPiece[] {
  const out: LogPiece[] = []
  let at = 0
  for (const [start, end] of stderr) {
    if (start > at) out.push({ text: text.slice(at, start), stderr: false })
    if (end > Math.max(start, at)) out.push({ text: text.slice(Math.max(start, at), end), stderr: true })
    at = Math.max(at, end)
  }
  if (at < text.length) out.push({ text: text.slice(at), stderr: false })
  return out
}

export function logLines(text: string, stderr: readonly (readonly [number, number])[], filter: LogFilter = 'all'): LogLine[] {
  const lines: LogLine[] = []
  let current: LogLine = { pieces: [], stderr: false }
  for (const piece of stretches(text, stderr)) {
    if (filter !== 'all' && piece.stderr !== (filter === 'stderr')) continue
    const parts = piece.text.split('\n')
    parts.forEach((part, i) => {
      if (i > 0) {
        lines.push(current)
        current = { pieces: [], stderr: false }
      }
      if (part === '') return
      current.pieces.push({ text: part, stderr: piece.stderr })
      if (piece.stderr) current.stderr = true
    })
  }
  // A log ends with a newline as a rule: no empty line after it.
  if (current.pieces.length) lines.push(current)
  return lines
}
