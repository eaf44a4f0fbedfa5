// The ESLint rule that keeps imports pointing down the layers (docs/architecture.md, "Layers").
// Each relative import is resolved to the file it names, so `../index.ts` is judged by where it
// lands, not by how it is spelled; bare imports (node:fs, electron, vue) are judged by the
// importing layer's list of forbidden module groups. Static imports, re-exports and dynamic
// `import('literal')` are all checked.
//
// Options: { root, layers: [{ folder, may, forbid?, onlyModules?, message }] } where `folder`
// and `may` are paths relative to `root` (the repository), a file belongs to the deepest
// `folder` that holds it, `may` lists the folders its relative imports may reach, `forbid`
// names module groups ('node', 'electron', 'ui') it may not import, and `onlyModules` (if set)
// is the complete list of bare modules it may import.
import { builtinModules } from 'node:module'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.split('/')[0]))

/** The package a bare specifier names: `@scope/pkg/x` -> `@scope/pkg`, `node:fs/promises` -> `node:fs`. */
function packageOf(spec) {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

const GROUPS = {
  node: (pkg) => pkg.startsWith('node:') || NODE_BUILTINS.has(pkg),
  electron: (pkg) => pkg === 'electron',
  ui: (pkg) => pkg === 'vue' || pkg === 'pinia',
}

const toPosix = (path) => path.split(sep).join('/')
const within = (path, folder) => path === folder || path.startsWith(`${folder}/`)

/** @type {import('eslint').Rule.RuleModule} */
export const layerImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point down the layers: each folder imports only the folders and modules its layer allows.' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layers: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                folder: { type: 'string' },
                may: { type: 'array', items: { type: 'string' } },
                forbid: { type: 'array', items: { enum: Object.keys(GROUPS) } },
                onlyModules: { type: 'array', items: { type: 'string' } },
                message: { type: 'string' },
              },
              required: ['folder', 'may', 'message'],
              additionalProperties: false,
            },
          },
        },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      folder: '{{message}} ("{{spec}}" resolves to {{target}}; {{folder}} may import only {{may}}.)',
      module: '{{message}} ("{{spec}}" is not allowed in {{folder}}.)',
    },
  },
  create(context) {
    const { root, layers } = context.options[0]
    const file = toPosix(relative(root, context.physicalFilename))
    // The deepest layer folder holding this file decides; files outside every layer are free.
    const layer = layers.filter((l) => within(file, l.folder)).sort((a, b) => b.folder.length - a.folder.length)[0]
    if (!layer) return {}

    function checkSource(node) {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return
      const spec = node.value
      if (spec.startsWith('.') || isAbsolute(spec)) {
        const target = toPosix(relative(root, resolve(dirname(context.physicalFilename), spec)))
        if (layer.may.some((folder) => within(target, folder))) return
        context.report({
          node,
          messageId: 'folder',
          data: { message: layer.message, spec, target, folder: layer.folder, may: layer.may.join(', ') },
        })
        return
      }
      const pkg = packageOf(spec)
      const refused = layer.onlyModules
        ? !layer.onlyModules.includes(pkg)
        : (layer.forbid ?? []).some((group) => GROUPS[group](pkg))
      if (refused) context.report({ node, messageId: 'module', data: { message: layer.message, spec, folder: layer.folder } })
    }

    return {
      ImportDeclaration: (node) => checkSource(node.source),
      ExportNamedDeclaration: (node) => checkSource(node.source),
      ExportAllDeclaration: (node) => checkSource(node.source),
      ImportExpression: (node) => checkSource(node.source),
    }
  },
}

export default { meta: { name: 'corelane' }, rules: { 'layer-imports': layerImports } }
