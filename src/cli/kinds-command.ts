// `corelane kinds`: lists every job kind with its lane, executor and params, read from the
// same schemas the engine validates with.
import { describeKinds } from '../shared/kind-descriptors.ts'

interface JsonSchemaProperty {
  type?: string | string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  minimum?: number
  maximum?: number
  items?: { type?: string }
}

function describeType(prop: JsonSchemaProperty): string {
  if (prop.enum) return prop.enum.map((value) => JSON.stringify(value)).join(' | ')
  if (prop.type === 'array') return `${prop.items?.type ?? 'any'}[]`
  const range =
    prop.minimum !== undefined || prop.maximum !== undefined ? ` ${prop.minimum ?? '…'}..${prop.maximum ?? '…'}` : ''
  return `${Array.isArray(prop.type) ? prop.type.join('|') : (prop.type ?? 'any')}${range}`
}

export function kindsCommand(json: boolean, out: NodeJS.WritableStream): number {
  const kinds = describeKinds().filter((kind) => !kind.hidden)
  if (json) {
    out.write(`${JSON.stringify(kinds, null, 2)}\n`)
    return 0
  }
  for (const kind of kinds) {
    out.write(`${kind.name}  (${kind.lane} lane, ${kind.executor})  ${kind.description}\n`)
    const properties = (kind.paramsSchema.properties ?? {}) as Record<string, JsonSchemaProperty>
    const required = new Set((kind.paramsSchema.required ?? []) as string[])
    for (const [name, prop] of Object.entries(properties)) {
      const flag = required.has(name) ? 'required' : prop.default !== undefined ? `default ${JSON.stringify(prop.default)}` : 'optional'
      out.write(`    ${name}: ${describeType(prop)}  (${flag})${prop.description ? `  ${prop.description}` : ''}\n`)
    }
    if (Object.keys(properties).length === 0) out.write('    (no params)\n')
  }
  return 0
}
