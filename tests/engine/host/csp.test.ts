// The CSP the hosts send as a header (Electron's webRequest, web mode's server) is the one in
// the renderer's index.html <meta>: one policy, wherever the page is loaded from.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { RENDERER_CSP, RENDERER_CSP_HEADER } from '../../../src/main/host/csp.ts'

describe('renderer CSP', () => {
  it('matches the <meta> of src/renderer/index.html', async () => {
    const html = await readFile(new URL('../../../src/renderer/index.html', import.meta.url), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)
    expect(meta?.[1]).toBe(RENDERER_CSP)
    expect(RENDERER_CSP_HEADER.startsWith(RENDERER_CSP)).toBe(true)
    expect(RENDERER_CSP_HEADER).toContain("frame-ancestors 'none'")
  })
})
