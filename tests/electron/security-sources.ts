// What the security checklist's tests (electron-security-*.test.ts) read without running
// anything: the TypeScript AST of src/main and src/preload (every BrowserWindow, every ipcMain
// call, every identifier), and the bundles Electron would run (out/main/index.js,
// out/preload/index.cjs), rebuilt only when missing or older than their sources (built-app.ts).
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { MAIN_BUNDLE, PRELOAD_BUNDLE, ROOT, ensureBuilt, filesUnder } from './built-app.ts'
import { beforeAll } from 'vitest'

/** Files Electron runs: the adapters, main's entry, the preload (the engine and host never import electron). */
export const ELECTRON_SOURCES = [
  join(ROOT, 'src/main/index.ts'),
  ...filesUnder(join(ROOT, 'src/main/electron'), /\.ts$/),
  ...filesUnder(join(ROOT, 'src/preload'), /\.ts$/),
]
/** Everything that ends up in the main or preload bundle. */
export const ALL_MAIN_SOURCES = [
  ...filesUnder(join(ROOT, 'src/main'), /\.ts$/),
  ...filesUnder(join(ROOT, 'src/preload'), /\.ts$/),
  ...filesUnder(join(ROOT, 'src/shared'), /\.ts$/),
]

/** A file of the repository, by its path from the root. */
export const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

/** The main and preload bundles' text, read by the test file's `beforeAll` (loadBundlesBeforeAll). */
export const bundle = { main: '', preload: '' }

/** Before the file's tests: the bundles read, built first when out/ is not current. */
export function loadBundlesBeforeAll(): void {
  beforeAll(() => {
    ensureBuilt()
    bundle.main = readFileSync(MAIN_BUNDLE, 'utf8')
    bundle.preload = readFileSync(PRELOAD_BUNDLE, 'utf8')
  }, 60_000)
}

/** Every literal value a bundle gives `name` in an object literal, minified (`!0`) or not. */
export function bundleFlags(bundle: string, name: string): boolean[] {
  const re = new RegExp(`(?<![\\w$])${name}\\s*:\\s*(true|false|!0|!1)(?![\\w$])`, 'g')
  return [...bundle.matchAll(re)].map((m) => m[1] === 'true' || m[1] === '!0')
}

const parsed = new Map<string, ts.SourceFile>()
function parse(file: string): ts.SourceFile {
  let source = parsed.get(file)
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    parsed.set(file, source)
  }
  return source
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node)
  node.forEachChild((child) => walk(child, visit))
}

/** The files (from the root) among `files` that mention the identifier `name`. */
export function filesNaming(files: string[], name: string): string[] {
  const uses: string[] = []
  for (const file of files) {
    walk(parse(file), (node) => {
      if (ts.isIdentifier(node) && node.text === name) uses.push(relative(ROOT, file))
    })
  }
  return uses
}

/** `receiver.method(...)` calls in the given files, as `file: receiver.method`. */
export function memberCalls(files: string[], receiver: RegExp, method: RegExp = /.*/): string[] {
  const found: string[] = []
  for (const file of files) {
    walk(parse(file), (node) => {
      if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return
      const { expression, name } = node.expression
      if (receiver.test(expression.getText()) && method.test(name.text)) {
        found.push(`${relative(ROOT, file)}: ${expression.getText()}.${name.text}`)
      }
    })
  }
  return found
}

/** The webPreferences of every `new BrowserWindow({...})` in the Electron sources, as written. */
export function browserWindowPreferences(): { file: string; prefs: Map<string, string> }[] {
  const sites: { file: string; prefs: Map<string, string> }[] = []
  for (const file of ELECTRON_SOURCES) {
    walk(parse(file), (node) => {
      if (!ts.isNewExpression(node) || node.expression.getText() !== 'BrowserWindow') return
      const options = node.arguments?.[0]
      const prefs = new Map<string, string>()
      if (options && ts.isObjectLiteralExpression(options)) {
        for (const property of options.properties) {
          if (!ts.isPropertyAssignment(property) || property.name.getText() !== 'webPreferences') continue
          if (!ts.isObjectLiteralExpression(property.initializer)) continue
          for (const pref of property.initializer.properties) {
            if (ts.isPropertyAssignment(pref)) prefs.set(pref.name.getText(), pref.initializer.getText())
            else prefs.set(pref.getText(), '(not a plain property)')
          }
        }
      }
      sites.push({ file: relative(ROOT, file), prefs })
    })
  }
  return sites
}
