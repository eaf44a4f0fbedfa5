// Reads a batch file (or standard input) and turns it into a submit request. Every problem
// is an InputError naming the file and the field, so the CLI can answer with exit code 2.
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { BatchFileSchema, expandRange, MAX_JOBS_PER_SUBMIT, type BatchFile } from '../shared/schemas.ts'
import { safeParseProblems, type FieldProblem } from '../shared/validate.ts'
import type { SubmitRequest } from '../main/engine/index.ts'

/** Bad input from the user: the CLI prints it without a stack trace and exits with 2. */
export class InputError extends Error {
  readonly problems: FieldProblem[]
  constructor(source: string, problems: FieldProblem[]) {
    super(`${source}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('\n  ')}`)
    this.name = 'InputError'
    this.problems = problems
  }
}

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
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a batch file' : (error as Error).message
    throw new InputError(source, [{ field: '', message: reason }])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new InputError(source, [{ field: '', message: jsonErrorPlace(text, error as Error) }])
  }
  const parsed = safeParseProblems(BatchFileSchema, json)
  if (!parsed.ok) throw new InputError(source, parsed.problems.map((p) => ({ ...p, field: p.field || '(batch)' })))
  return { batch: parsed.value, source, baseDir: path === '-' ? process.cwd() : dirname(resolve(path)) }
}

/** Expands the batch's inputs (`range`, `lines` files) into the submit request the engine takes. */
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
  const inputs = batch.inputs!
  if (Array.isArray(inputs)) request.inputs = inputs
  else if ('range' in inputs) request.inputs = expandRange(inputs.range)
  else {
    const file = resolve(baseDir, inputs.lines)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      throw new InputError(source, [{ field: 'inputs.lines', message: `cannot read ${file}` }])
    }
    const lines = text.split(/\r?\n/).filter((line) => line.length > 0)
    if (lines.length > MAX_JOBS_PER_SUBMIT) {
      throw new InputError(source, [{ field: 'inputs.lines', message: `more than ${MAX_JOBS_PER_SUBMIT} lines` }])
    }
    request.inputs = lines
  }
  return request
}
