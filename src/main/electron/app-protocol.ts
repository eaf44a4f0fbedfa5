// The app's own scheme, `corelane://app/`, instead of file:// (Electron's checklist, item 18):
// registered as privileged before `ready` (standard, so relative URLs, the origin and storage
// work as on the web; secure, so it counts as a secure context; fetch allowed; CSP NOT
// bypassed), then served after `ready` from out/renderer by the pure handler of app-files.ts.
import { protocol, type CustomScheme } from 'electron'
import { createAppFileHandler } from './app-files.ts'
import { APP_SCHEME } from './app-url.ts'

export const APP_SCHEME_PRIVILEGED: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
}

/** Before `ready`, once (Electron allows a single call). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGED])
}

/** After `ready`: serves `rendererDir` (out/renderer) on the default session. */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppFileHandler(rendererDir))
}
