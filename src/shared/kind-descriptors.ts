// Each kind as the outside world sees it: catalogue entry plus the JSON Schema of its params,
// generated from the valibot schema so the UI form, `corelane kinds` and the engine agree.
import { toJsonSchema } from '@valibot/to-json-schema'
import type { KindDescriptor } from './contract.ts'
import { KIND_NAMES, kindCatalog, kindParams } from './kinds.ts'

let cache: KindDescriptor[] | null = null

export function describeKinds(): KindDescriptor[] {
  cache ??= KIND_NAMES.map((name) => ({
    ...kindCatalog[name],
    // `check` actions (e.g. "give exactly one of file or mib") have no JSON Schema form.
    paramsSchema: toJsonSchema(kindParams[name], { errorMode: 'ignore' }) as Record<string, unknown>,
  }))
  return cache
}
