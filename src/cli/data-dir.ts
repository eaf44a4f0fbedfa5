// Where the CLI and web mode keep logs, results and (later) the job database by default:
// the platform's per-user data folder, as Electron's `userData` would be.
import { homedir, platform } from 'node:os'
import { join } from 'node:path'

export function defaultDataDir(): string {
  if (process.env.CORELANE_DATA_DIR) return process.env.CORELANE_DATA_DIR
  const home = homedir()
  if (platform() === 'darwin') return join(home, 'Library', 'Application Support', 'corelane')
  if (platform() === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'corelane')
  return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'corelane')
}
