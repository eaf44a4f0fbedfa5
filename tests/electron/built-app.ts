// The built desktop app (out/, by electron-vite) for the tests that read it: the security
// checklist and the packaging checks. Rebuilt only when a bundle is missing or older than
// what goes into it, one build at a time (test files run in parallel, and a build empties out/).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
export const MAIN_BUNDLE = join(ROOT, 'out/main/index.js')
export const PRELOAD_BUNDLE = join(ROOT, 'out/preload/index.cjs')

export function filesUnder(dir: string, ext: RegExp): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(path, ext))
    else if (ext.test(entry.name)) out.push(path)
  }
  return out
}

function upToDate(): boolean {
  const inputs = [
    ...['src/main', 'src/preload', 'src/shared'].flatMap((dir) => filesUnder(join(ROOT, dir), /\.ts$/)),
    join(ROOT, 'electron.vite.config.ts'),
    join(ROOT, 'package.json'),
  ]
  const newestInput = Math.max(...inputs.map((file) => statSync(file).mtimeMs))
  const outputs = [MAIN_BUNDLE, PRELOAD_BUNDLE, join(ROOT, 'out/renderer/index.html')]
  return outputs.every((file) => existsSync(file) && statSync(file).mtimeMs >= newestInput)
}

/** Builds with electron-vite unless out/ is current; waits for a build another test file started. */
export function ensureBuilt(): void {
  const lock = join(ROOT, 'node_modules/.cache', `corelane-build-lock-${ROOT.replace(/[^\w]/g, '_')}`)
  mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true })
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`waited 2 min for another build (remove ${lock} if none runs)`)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    }
  }
  try {
    if (upToDate()) return
    execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: ROOT,
      stdio: 'pipe',
    })
  } finally {
    rmdirSync(lock)
  }
}
