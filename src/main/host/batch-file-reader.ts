// A batch file opened from the operating system (a double-click on a .json batch, or
// `corelane-desktop batch.json`), read into the submit request the engine takes. The file is
// checked against the shared BatchFileSchema; every problem is a ValidationError naming the
// field, so the desktop app can say what is wrong with the file. (The CLI reads batch files
// with its own reader, src/cli/batch-file.ts, which also reads standard input.)
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { BatchFileSchema, expandRange, MAX_JOBS_PER_SUBMIT, rangeLength } from '../../shared/schemas.ts'
import { safeParseProblems, ValidationError } from '../../shared/validate.ts'
import type { CommandInput } from '../../shared/contract.ts'

/** The submit command's input: a long range is sent as a range, which the API host streams. */
export async function readBatchRequest(path: string): Promise<CommandInput<'submit'>> {
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
  if (batch.jobs) return { ...request, jobs: batch.jobs }
  if (batch.count !== undefined) return { ...request, template: batch.template, count: batch.count }
  const inputs = batch.inputs!
  if (Array.isArray(inputs)) return { ...request, template: batch.template, inputs }
  if ('range' in inputs) {
    // Held whole up to what a submit holds; longer, the host streams it (engine.submitStream).
    if (rangeLength(inputs.range) > MAX_JOBS_PER_SUBMIT) return { ...request, template: batch.template, range: inputs.range }
    return { ...request, template: batch.template, inputs: expandRange(inputs.range) }
  }
  const linesFile = resolve(dirname(path), inputs.lines)
  let lines: string[]
  try {
    lines = (await readFile(linesFile, 'utf8')).split(/\r?\n/).filter((line) => line.length > 0)
  } catch {
    throw new ValidationError([{ field: 'inputs.lines', message: `cannot read ${linesFile}` }])
  }
  if (lines.length > MAX_JOBS_PER_SUBMIT) {
    throw new ValidationError([{ field: 'inputs.lines', message: `more than ${MAX_JOBS_PER_SUBMIT.toLocaleString('en')} lines` }])
  }
  return { ...request, template: batch.template, inputs: lines }
}
