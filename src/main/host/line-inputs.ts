// A template's `inputs.lines` read as the engine pulls them: one input per non-empty line of a
// file (or of a stream such as standard input), `\r\n` taken as one line end, never held whole,
// so a file of any length runs in the memory of the stream's window. One reader for both
// places that open such files: `corelane run` (src/cli/batch-file.ts) and the desktop app's
// batch files (batch-file-reader.ts). An input's error names its line, which the reader keeps
// for the last few inputs only (a bad input is found within a few of being read).
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { ValidationError } from '../../shared/validate.ts'

/** The lines as inputs, and how an error names input `index` (`inputs.lines[line 12]`). */
export interface LineInputs {
  inputs: AsyncIterable<string>
  field: (index: number) => string
}

/** How many of the latest inputs keep their line number: only recent inputs are checked. */
const LINES_KEPT = 64

/**
 * The non-empty lines of `from` (a file path, or a readable stream such as process.stdin), read
 * only when iterated. A file that cannot be opened fails the first read with a ValidationError
 * on `inputs.lines`, before any input.
 */
export function lineInputs(from: string | NodeJS.ReadableStream): LineInputs {
  const lines = new Map<number, number>()
  return {
    inputs: {
      async *[Symbol.asyncIterator]() {
        const stream = typeof from === 'string' ? await openFile(from) : from
        let line = 0
        let index = 0
        for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
          line++
          if (text.length === 0) continue
          lines.set(index, line)
          lines.delete(index - LINES_KEPT)
          index++
          yield text
        }
      },
    },
    field: (index) => `inputs.lines[line ${lines.get(index) ?? '?'}]`,
  }
}

/** The file's stream once it is open: a missing or unreadable file is a named input error, not a stream error. */
async function openFile(path: string): Promise<NodeJS.ReadableStream> {
  const file = createReadStream(path)
  await new Promise<void>((resolveOpen, reject) => {
    file.once('open', () => resolveOpen())
    file.once('error', () => reject(new ValidationError([{ field: 'inputs.lines', message: `cannot read ${path}` }])))
  })
  return file
}
