// Finds the Electron binary without triggering its first-launch download (which needs a
// network this CI does not have). Returns the path, or the reason there is none.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export function findElectronBinary(): { path: string } | { reason: string } {
  const pkg = resolve(import.meta.dirname, '../../node_modules/electron')
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile) && !override) {
    return { reason: 'no Electron binary: node_modules/electron/path.txt is missing (Electron 42+ downloads its binary on first launch, and this machine cannot reach the download host)' }
  }
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron'
  const path = override ? join(override, relative) : join(pkg, 'dist', relative)
  return existsSync(path) ? { path } : { reason: `no Electron binary at ${path}` }
}
