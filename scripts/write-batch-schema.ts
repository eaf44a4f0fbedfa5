// Writes schema/batch.schema.json, the published JSON Schema of a batch file, from the Valibot
// schemas in src/shared (the single source of truth). Run with `npm run schema`;
// `node scripts/write-batch-schema.ts --check` exits 1 when the committed file is stale.
//
// Valibot `check` pipes (e.g. "exactly one of `jobs` or `template`") have no JSON Schema
// equivalent; they are left out (errorMode 'ignore') and enforced when the file is loaded.
// Each kind's params schema is included under `$defs` (`params.<kind>`) for documentation.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toJsonSchema } from '@valibot/to-json-schema'
import type * as v from 'valibot'
import { kindCatalog, kindParams, KIND_NAMES } from '../src/shared/kinds.ts'
import { BatchFileSchema, InputsDocSchema } from '../src/shared/schemas.ts'

export const BATCH_SCHEMA_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'batch.schema.json')

/** The `$defs` key under which a kind's params schema is published. */
export const paramsDefName = (kind: string): string => `params.${kind}`

/** The JSON Schema of a batch file, as an object. Deterministic: same sources, same output. */
export function buildBatchSchema(): Record<string, unknown> {
  const definitions: Record<string, v.GenericSchema> = {}
  for (const kind of KIND_NAMES) definitions[paramsDefName(kind)] = kindParams[kind] as v.GenericSchema
  const generated = toJsonSchema(BatchFileSchema, { errorMode: 'ignore', definitions }) as Record<string, unknown>
  const { $schema, $defs, ...rest } = generated
  const defs = ($defs ?? {}) as Record<string, Record<string, unknown>>
  // `inputs` is picked by shape at run time (v.lazy); publish its three forms as a union instead.
  const { $schema: _inputsDialect, ...inputs } = toJsonSchema(InputsDocSchema, { errorMode: 'ignore' }) as Record<string, unknown>
  ;(rest.properties as Record<string, unknown>).inputs = inputs
  for (const key of Object.keys(defs)) if (/^\d+$/.test(key)) delete defs[key]
  for (const kind of KIND_NAMES) {
    const def = defs[paramsDefName(kind)]
    const info = kindCatalog[kind]
    if (def) defs[paramsDefName(kind)] = { title: `${info.title} (${kind}) params`, description: info.description, ...def }
  }
  return {
    $schema,
    title: 'Corelane batch file',
    description:
      'A batch of jobs: either `jobs` (a list of job specs) or a `template` mapped over `inputs` or repeated `count` times. ' +
      'Each job\'s `params` are checked against its kind; see `$defs` ("params.<kind>").',
    ...rest,
    $defs: defs,
  }
}

/** The file's exact text: 2-space JSON with a trailing newline. */
export function renderBatchSchema(): string {
  return JSON.stringify(buildBatchSchema(), null, 2) + '\n'
}

function main(argv: string[]): number {
  const text = renderBatchSchema()
  if (argv.includes('--check')) {
    let current = ''
    try {
      current = readFileSync(BATCH_SCHEMA_PATH, 'utf8')
    } catch {
      // missing: stale
    }
    if (current === text) return 0
    console.error(`${BATCH_SCHEMA_PATH} is out of date; run \`npm run schema\``)
    return 1
  }
  mkdirSync(dirname(BATCH_SCHEMA_PATH), { recursive: true })
  writeFileSync(BATCH_SCHEMA_PATH, text)
  console.log(`wrote ${BATCH_SCHEMA_PATH} (${text.length} bytes, ${KIND_NAMES.length} kinds)`)
  return 0
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2))
