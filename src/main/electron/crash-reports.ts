// Local crash reports: Crashpad writes a minidump of any crashed Corelane process (main,
// renderer, utility workers) under app.getPath('crashDumps'), and nothing is sent anywhere
// (no upload server, uploads off). Started before `ready` so a crash during start-up is kept.
import { crashReporter } from 'electron'

export function startLocalCrashReports(): void {
  crashReporter.start({ uploadToServer: false, submitURL: '', compress: true, ignoreSystemCrashHandler: false })
}
