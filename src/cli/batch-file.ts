// Reads a batch file (or standard input) and its template's inputs, lazily: a file of lines
// or standard input is read as the jobs are queued, never held whole (by the line reader the
// desktop app's batch files share, src/main/host/line-inputs.ts). Every problem is an
// InputError naming the file and the field, so the CLI can answer with exit code 2.
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { BatchFileSchema, MAX_JOBS_PER_SUBMIT, type BatchFile } from '../shared/schemas.ts'
import { safeParseProblems, ValidationError } from '../shared/validate.ts'
import type { SubmitRequest } from '../main/engine/index.ts'
import { rangeInputs } from '../main/engine/submission.ts'
import { lineInputs } from '../main/host/line-inputs.ts'
import { InputError } from './input-error.ts'

export { InputError }

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Where JSON.parse failed: V8 names the position when it knows it, otherwise the token and its context. */
function jsonErrorPlace(text: string, error: Error): string {
  const match = /position (\d+)/.exec(error.message)
  if (!match) return `not valid JSON: ${error.message}`
  const position = Number(match[1])
  const before = text.slice(0, position)
  const line = before.split('\n').length
  const column = position - before.lastIndexOf('\n')
  return `not valid JSON at line ${line}, column ${column}: ${error.message.replace(/ in JSON at position.*$/, '')}`
}

export async function loadBatchFile(path: string): Promise<{ batch: BatchFile; source: string; baseDir: string }> {
  const source = path === '-' ? 'stdin' : path
  let text: string
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a batch file' : (error as Error).message
    throw new InputError(source, [{ field: '', message: reason }])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new InputError(source, [{ field: '', message: jsonErrorPlace(text, error as Error) }])
  }
  const parsed = safeParseProblems(BatchFileSchema, json)
  if (!parsed.ok)
    throw new InputError(
      source,
      parsed.problems.map((p) => ({ ...p, field: p.field || '(batch)' })),
    )
  return { batch: parsed.value, source, baseDir: path === '-' ? process.cwd() : dirname(resolve(path)) }
}

/** Where a template batch's inputs come from, read lazily: a list, a range, a file of lines or standard input. */
export interface InputSource {
  inputs: Iterable<unknown> | AsyncIterable<unknown>
  /** Names input `index` in an error: `inputs.lines: line 12` for a file, `inputs[3]` for a list. */
  field: (index: number) => string
  /** Whether the inputs come from standard input (then the batch file itself cannot). */
  stdin: boolean
}

/** The template's inputs as a lazy source (nothing is read until it is iterated). */
export function templateInputs(batch: BatchFile, source: string, baseDir: string): InputSource {
  const inputs = batch.inputs!
  if (Array.isArray(inputs)) return { inputs, field: (i) => `inputs[${i}]`, stdin: false }
  if ('range' in inputs) return { inputs: rangeInputs(inputs.range), field: (i) => `inputs.range[${i}]`, stdin: false }
  const fromStdin = inputs.lines === '-'
  if (fromStdin && source === 'stdin') {
    throw new InputError(source, [
      { field: 'inputs.lines', message: '"-" reads standard input, which already holds the batch file' },
    ])
  }
  return { ...lineInputs(fromStdin ? process.stdin : resolve(baseDir, inputs.lines)), stdin: fromStdin }
}

/**
 * Expands the batch's inputs into one in-memory submit request (what the window and the
 * tests use). At most MAX_JOBS_PER_SUBMIT inputs: `corelane run` streams longer ones.
 */
export async function toSubmitRequest(batch: BatchFile, source: string, baseDir: string): Promise<SubmitRequest> {
  const request: SubmitRequest = { name: batch.name ?? source, defaults: batch.defaults }
  if (batch.jobs) {
    request.jobs = batch.jobs
    return request
  }
  request.template = batch.template
  if (batch.count !== undefined) {
    request.count = batch.count
    return request
  }
  const { inputs } = templateInputs(batch, source, baseDir)
  const list: unknown[] = []
  try {
    for await (const input of inputs) {
      if (list.length === MAX_JOBS_PER_SUBMIT) {
        throw new InputError(source, [
          { field: 'inputs', message: `more than ${MAX_JOBS_PER_SUBMIT.toLocaleString('en')} inputs to hold at once` },
        ])
      }
      list.push(input)
    }
  } catch (error) {
    if (error instanceof ValidationError) throw new InputError(source, error.problems)
    throw error
  }
  request.inputs = list
  return request
}
