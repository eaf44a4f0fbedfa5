// A batch file opened from the operating system (a double-click on a .json batch, or
// `corelane-desktop batch.json`), read into the submit request the engine takes. The file is
// checked against the shared BatchFileSchema; every problem is a ValidationError naming the
// field, so the desktop app can say what is wrong with the file. A template's `inputs.lines`
// is not read here: it comes back as a lazy line source (line-inputs.ts, the reader the CLI
// uses too), which the API host streams (submitLines), so a file of any length runs in the
// memory of the stream's window. (The CLI reads batch files with its own reader,
// src/cli/batch-file.ts, which also reads standard input.) The file's batch controls go with
// the request, to be applied as the window's are (submit-controls.ts): halt, delay, maxLoad,
// memFree, and the files it writes, `results` and `joblog`, whose relative paths are read
// against the batch file's folder as `inputs.lines` is (a file opened from the file manager has
// no meaningful working folder). `keepOrder` orders `corelane run --json`'s lines, which the
// app does not print: it has no meaning here and is ignored (README, "Batch controls").
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { BatchFileSchema, expandRange, MAX_JOBS_PER_SUBMIT, rangeLength } from '../../shared/schemas.ts'
import { safeParseProblems, ValidationError } from '../../shared/validate.ts'
import type { CommandInput } from '../../shared/contract.ts'
import type { LinesSubmit } from './api-host.ts'
import { lineInputs, type LineInputs } from './line-inputs.ts'
import type { HostControls } from './submit-controls.ts'

/**
 * What a batch file asks for: a submit command's input, or a template over a file of lines
 * (streamed); either with `host`, the controls only the host sets (the joblog's absolute path).
 */
export type BatchRequest = ({ submit: CommandInput<'submit'> } | { lines: LineInputs; request: LinesSubmit }) & {
  host: HostControls
}

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
  const folder = dirname(path)
  if (batch.joblog === '-') {
    throw new ValidationError([
      { field: 'joblog', message: '"-" writes to standard output, which the desktop app has none of: name a file' },
    ])
  }
  const host: HostControls = batch.joblog === undefined ? {} : { joblog: resolve(folder, batch.joblog) }
  const { halt, delay, maxLoad, memFree } = batch
  const request: CommandInput<'submit'> = {
    name: batch.name ?? basename(path),
    defaults: batch.defaults,
    halt,
    delay,
    maxLoad,
    memFree,
  }
  if (batch.results !== undefined) request.results = resolve(folder, batch.results)
  if (batch.jobs) return { submit: { ...request, jobs: batch.jobs }, host }
  if (batch.count !== undefined) return { submit: { ...request, template: batch.template, count: batch.count }, host }
  const inputs = batch.inputs!
  if (Array.isArray(inputs)) return { submit: { ...request, template: batch.template, inputs }, host }
  if ('range' in inputs) {
    // Held whole up to what a submit holds; longer, the host streams it (engine.submitStream).
    if (rangeLength(inputs.range) > MAX_JOBS_PER_SUBMIT)
      return { submit: { ...request, template: batch.template, range: inputs.range }, host }
    return { submit: { ...request, template: batch.template, inputs: expandRange(inputs.range) }, host }
  }
  if (inputs.lines === '-') {
    throw new ValidationError([
      { field: 'inputs.lines', message: '"-" reads standard input, which the desktop app has none of: name a file of lines' },
    ])
  }
  // Opened only when the engine pulls the first line: an unreadable file is refused then, before the batch exists.
  return { lines: lineInputs(resolve(folder, inputs.lines)), request: { ...request, template: batch.template }, host }
}
