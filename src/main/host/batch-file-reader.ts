// A batch file opened from the operating system (a double-click on a .json batch, or
// `corelane-desktop batch.json`), read into the submit request the engine takes. The file is
// checked against the shared BatchFileSchema; every problem is a ValidationError naming the
// field, so the desktop app can say what is wrong with the file. A template's `inputs.lines`
// is not read here: it comes back as a lazy line source (line-inputs.ts, the reader the CLI
// uses too), which the API host streams (submitLines), so a file of any length runs in the
// memory of the stream's window. (The CLI reads batch files with its own reader,
// src/cli/batch-file.ts, which also reads standard input.)
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { BatchFileSchema, expandRange, MAX_JOBS_PER_SUBMIT, rangeLength } from '../../shared/schemas.ts'
import { safeParseProblems, ValidationError } from '../../shared/validate.ts'
import type { CommandInput } from '../../shared/contract.ts'
import type { LinesSubmit } from './api-host.ts'
import { lineInputs, type LineInputs } from './line-inputs.ts'

/** What a batch file asks for: a submit command's input, or a template over a file of lines (streamed). */
export type BatchRequest = { submit: CommandInput<'submit'> } | { lines: LineInputs; request: LinesSubmit }

/** Reads and checks the file; a long range is sent as a range and a file of lines as lines, which the API host streams. */
export async function readBatchRequest(path: string): Promise<BatchRequest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ValidationError([
      { field: '', message: code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(error as Error).message}` },
    ])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ValidationError([{ field: '', message: `${basename(path)} is not valid JSON: ${(error as Error).message}` }])
  }
  const parsed = safeParseProblems(BatchFileSchema, json)
  if (!parsed.ok) throw new ValidationError(parsed.problems)
  const batch = parsed.value
  const request: CommandInput<'submit'> = { name: batch.name ?? basename(path), defaults: batch.defaults }
  if (batch.jobs) return { submit: { ...request, jobs: batch.jobs } }
  if (batch.count !== undefined) return { submit: { ...request, template: batch.template, count: batch.count } }
  const inputs = batch.inputs!
  if (Array.isArray(inputs)) return { submit: { ...request, template: batch.template, inputs } }
  if ('range' in inputs) {
    // Held whole up to what a submit holds; longer, the host streams it (engine.submitStream).
    if (rangeLength(inputs.range) > MAX_JOBS_PER_SUBMIT)
      return { submit: { ...request, template: batch.template, range: inputs.range } }
    return { submit: { ...request, template: batch.template, inputs: expandRange(inputs.range) } }
  }
  if (inputs.lines === '-') {
    throw new ValidationError([
      { field: 'inputs.lines', message: '"-" reads standard input, which the desktop app has none of: name a file of lines' },
    ])
  }
  // Opened only when the engine pulls the first line: an unreadable file is refused then, before the batch exists.
  return { lines: lineInputs(resolve(dirname(path), inputs.lines)), request: { ...request, template: batch.template } }
}
