// ESLint flat config. Besides the usual recommended sets, it enforces the layer arrows of
// docs/architecture.md ("Layers": imports only point down) with one local rule that resolves
// each import to the folder it lands in (eslint-rules/layer-imports.js), and forbids runtime
// import cycles in src/ with import-x/no-cycle (type-only imports are erased, so they are not
// cycles at run time). No source file may be longer than 450 lines (max-lines):
//
//   src/shared       pure TypeScript: no node:/builtins, no electron, no vue; imports nothing outside src/shared
//   src/main/engine  Node-only core: never electron, never src/main/* outside the engine (only src/shared)
//   src/main/host    Node-only glue shared by Electron main and web mode (API host, lab): never electron
//   src/main/cluster Node-only cluster parts (BullMQ, Redis): the engine and src/shared only, never electron
//   src/main/*       Electron adapters: never src/renderer, src/preload or src/cli
//   src/preload      only `electron` and src/shared
//   src/renderer     never electron, node:/builtins, src/main, src/cli, src/preload (only src/shared)
//   src/cli          never electron, never src/main/* outside the engine, host and cluster, never src/renderer or src/preload
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import importX, { createNodeResolver } from 'eslint-plugin-import-x'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import corelane from './eslint-rules/layer-imports.js'

const ROOT = dirname(fileURLToPath(import.meta.url))

/** The layer table: which folders and module groups each folder may import. */
export const LAYERS = [
  {
    folder: 'src/shared',
    may: ['src/shared'],
    forbid: ['node', 'electron', 'ui'],
    message:
      'src/shared is the bottom layer: it imports nothing from main, renderer, cli or preload, and no Node, Electron or UI library.',
  },
  {
    folder: 'src/main/engine',
    may: ['src/main/engine', 'src/shared'],
    forbid: ['electron', 'ui'],
    message:
      'The engine imports only itself and src/shared: not the Electron adapters in src/main, nor host, renderer, cli or preload.',
  },
  {
    folder: 'src/main/host',
    may: ['src/main/host', 'src/main/engine', 'src/shared'],
    forbid: ['electron', 'ui'],
    message: 'The host runs on plain Node too (web mode): it imports the engine and src/shared, never electron.',
  },
  {
    folder: 'src/main/cluster',
    may: ['src/main/cluster', 'src/main/engine', 'src/shared'],
    forbid: ['electron', 'ui'],
    message: 'The cluster runs on plain Node (agents, the CLI): it imports the engine and src/shared, never electron.',
  },
  {
    folder: 'src/main',
    may: ['src/main', 'src/shared'],
    forbid: ['ui'],
    message: 'Electron main never imports the renderer, the preload or the CLI.',
  },
  {
    folder: 'src/preload',
    may: ['src/preload', 'src/shared'],
    onlyModules: ['electron'],
    message: 'The preload imports only electron and src/shared.',
  },
  {
    folder: 'src/renderer',
    may: ['src/renderer', 'src/shared'],
    forbid: ['node', 'electron'],
    message: 'The renderer talks only through the contract: it imports src/shared, never main, cli or preload.',
  },
  {
    folder: 'src/cli',
    may: ['src/cli', 'src/main/engine', 'src/main/host', 'src/main/cluster', 'src/shared'],
    forbid: ['electron', 'ui'],
    message:
      'The CLI runs on plain Node: it imports the engine, the host, the cluster and src/shared, never the Electron adapters, renderer or preload.',
  },
]

const SOURCE_FILES = 'src/**/*.{ts,mts,cts,js,mjs,cjs,vue}'

const layers = {
  name: 'corelane/layers',
  files: [SOURCE_FILES],
  plugins: { corelane },
  rules: { 'corelane/layer-imports': ['error', { root: ROOT, layers: LAYERS }] },
}

/** The house limit on a source file's length (blank lines and comments count: a file is read whole). */
export const MAX_SOURCE_LINES = 450

const fileLength = {
  name: 'corelane/file-length',
  files: [SOURCE_FILES],
  rules: { 'max-lines': ['error', { max: MAX_SOURCE_LINES, skipBlankLines: false, skipComments: false }] },
}

const cycles = {
  name: 'corelane/no-import-cycles',
  files: [SOURCE_FILES],
  plugins: { 'import-x': importX },
  // import-x parses each imported file with the importing file's parser options: a .ts file
  // that leads to a .vue one must know which parser reads the component's <script lang="ts">.
  languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  settings: {
    'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.vue', '.js', '.mjs'] })],
    'import-x/extensions': ['.ts', '.vue', '.js', '.mjs'],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts'], 'vue-eslint-parser': ['.vue'] },
  },
  rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
}

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
  layers,
  fileLength,
  cycles,
)
