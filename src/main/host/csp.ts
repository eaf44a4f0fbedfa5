// The renderer's Content-Security-Policy, for the hosts that serve it: Electron adds it as a
// response header (webRequest), web mode sends it with every response. It must stay the same
// as the <meta> in src/renderer/index.html; tests/engine/host/csp.test.ts checks that it is.
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; form-action 'none'"

/** As a header the policy can also forbid framing (a <meta> policy cannot), against clickjacking. */
export const RENDERER_CSP_HEADER = `${RENDERER_CSP}; frame-ancestors 'none'`
