// ESLint flat config. Besides the usual recommended sets, it enforces the layer arrows of
// DESIGN.md ("imports only point down") with `no-restricted-imports`, one block per folder:
//
//   src/shared       pure TypeScript: no node:/builtins, no electron, no vue; imports nothing outside src/shared
//   src/main/engine  Node-only core: never electron, never src/main/* outside the engine (only src/shared)
//   src/main/host    Node-only glue shared by Electron main and web mode (API host, monitor): never electron
//   src/main/cluster Node-only cluster parts (BullMQ, Redis): the engine and src/shared only, never electron
//   src/main/*       Electron adapters: never src/renderer, src/preload or src/cli
//   src/preload      only `electron` and src/shared
//   src/renderer     never electron, node:/builtins, src/main, src/cli, src/preload (only src/shared)
//   src/cli          never electron, never src/main/* outside the engine, host and cluster, never src/renderer or src/preload
//
// `no-restricted-imports` matches the import string as written, so relative imports are checked
// with patterns generated per folder depth: `../index.ts` is the engine's own index from
// src/main/engine/kinds/x.ts but Electron's main from src/main/engine/x.ts.
// (Dynamic `import()` is not covered by this rule.)
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const SOURCE_EXT = '{ts,mts,cts,js,mjs,cjs,vue}'
const MAX_DEPTH = 8

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

const builtins = [...new Set(builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.split('/')[0]))]
const NODE_BUILTINS = {
  regex: `^(node:.*|(${builtins.map(escapeRe).join('|')})(/.*)?)$`,
  message: 'Node built-ins are not available in this layer (see DESIGN.md, Layers).',
}
const ELECTRON = { regex: '^electron(/.*)?$', message: 'This layer never imports electron (see DESIGN.md, Layers).' }
const UI_LIBS = { regex: '^(vue|pinia)(/.*)?$', message: 'UI libraries belong to src/renderer (see DESIGN.md, Layers).' }
const ONLY_ELECTRON = {
  regex: '^(?!electron$)[^.]',
  message: 'The preload imports only `electron` and src/shared (see DESIGN.md, Layers).',
}

/**
 * Patterns for relative imports that leave `root` (a folder under src/) for a place not in
 * `allowed` (folders relative to src/, e.g. 'shared'), for a file `depth` folders below `root`.
 * Imports that stay inside `root`, or that go above src/, are not restricted.
 */
function relativePatterns(root, depth, allowed, message) {
  const rootSegments = root.split('/').slice(1) // 'src/main/engine' -> ['main', 'engine']
  const patterns = []
  for (let up = 1; up <= rootSegments.length; up++) {
    // After depth + up `../` the import lands in this folder, relative to src/:
    const here = rootSegments.slice(0, rootSegments.length - up)
    const prefix = here.length ? here.join('/') + '/' : ''
    const allowedHere = allowed.filter((a) => (a + '/').startsWith(prefix)).map((a) => (a + '/').slice(prefix.length))
    const ok = ['\\.\\./', ...allowedHere.map(escapeRe)]
    patterns.push({
      regex: `^(\\./)?(\\.\\./){${depth + up}}(?!${ok.join('|')})`,
      message,
    })
  }
  return patterns
}

/** One config block per folder depth, each with the full `no-restricted-imports` options for that layer. */
function layer({ root, ignores = [], allowed, bare, message }) {
  const blocks = []
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    blocks.push({
      name: `corelane/layers/${root}/depth-${depth}`,
      files: [`${root}/${'*/'.repeat(depth)}*.${SOURCE_EXT}`],
      ignores,
      rules: {
        'no-restricted-imports': [
          'error',
          { patterns: [...bare, ...relativePatterns(root, depth, [root.slice('src/'.length), ...allowed], message)] },
        ],
      },
    })
  }
  return blocks
}

const layers = [
  ...layer({
    root: 'src/shared',
    allowed: [],
    bare: [NODE_BUILTINS, ELECTRON, UI_LIBS],
    message: 'src/shared is the bottom layer: it imports nothing from main, renderer, cli or preload.',
  }),
  ...layer({
    root: 'src/main/engine',
    allowed: ['shared'],
    bare: [ELECTRON, UI_LIBS],
    message:
      'The engine imports only itself and src/shared: not the Electron adapters in src/main, nor renderer, cli or preload.',
  }),
  ...layer({
    root: 'src/main/host',
    allowed: ['shared', 'main/engine'],
    bare: [ELECTRON, UI_LIBS],
    message: 'The host runs on plain Node too (web mode): it imports the engine and src/shared, never electron.',
  }),
  ...layer({
    root: 'src/main/cluster',
    allowed: ['shared', 'main/engine'],
    bare: [ELECTRON, UI_LIBS],
    message: 'The cluster runs on plain Node (agents, the CLI): it imports the engine and src/shared, never electron.',
  }),
  ...layer({
    root: 'src/main',
    ignores: ['src/main/engine/**', 'src/main/host/**', 'src/main/cluster/**'],
    allowed: ['shared'],
    bare: [UI_LIBS],
    message: 'Electron main never imports the renderer, the preload or the CLI.',
  }),
  ...layer({
    root: 'src/preload',
    allowed: ['shared'],
    bare: [ONLY_ELECTRON],
    message: 'The preload imports only electron and src/shared.',
  }),
  ...layer({
    root: 'src/renderer',
    allowed: ['shared'],
    bare: [NODE_BUILTINS, ELECTRON],
    message: 'The renderer talks only through the contract: it imports src/shared, never main, cli or preload.',
  }),
  ...layer({
    root: 'src/cli',
    allowed: ['shared', 'main/engine', 'main/host', 'main/cluster'],
    bare: [ELECTRON, UI_LIBS],
    message:
      'The CLI runs on plain Node: it imports the engine, the host, the cluster and src/shared, never the Electron adapters, renderer or preload.',
  }),
]

export default defineConfig(
  globalIgnores(['out/', 'dist/', 'node_modules/', 'scratch/', 'bench/results/', 'test-results/', 'coverage/', 'schema/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  // Prettier owns formatting.
  { name: 'corelane/vue-no-layout', ...pluginVue.configs['no-layout-rules'] },
  {
    name: 'corelane/base',
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.es2024 },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Node's type stripping needs type-only imports spelled `import type`.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    name: 'corelane/vue',
    files: ['**/*.vue'],
    rules: { 'vue/multi-word-component-names': 'off' },
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
  },
  {
    name: 'corelane/node-globals',
    files: ['src/main/**', 'src/cli/**', 'src/preload/**', 'scripts/**', 'bench/**', 'tests/**', 'bin/**', '*.{js,ts,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'corelane/browser-globals',
    files: ['src/renderer/**', 'tests/renderer/**', 'tests/e2e/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    name: 'corelane/js',
    files: ['**/*.{js,mjs,cjs}'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layers,
)
