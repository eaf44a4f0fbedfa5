// Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security),
// the items about the Electron the app ships: §16 a current Electron, pinned and installed as
// such, §19 the fuses the packaging flips (the flipping itself: packaging.test.ts). Read from the
// package files, the packaging configuration, the source and the main bundle
// (security-sources.ts); nothing runs main here.
import { readdirSync } from 'node:fs'
import { relative } from 'node:path'
import { FuseV1Options } from '@electron/fuses'
import { describe, expect, it } from 'vitest'
import { ROOT } from './built-app.ts'
import { bundle, ELECTRON_SOURCES, read, loadBundlesBeforeAll } from './security-sources.ts'

loadBundlesBeforeAll()

describe("Electron's security checklist", () => {
  it('16. A current Electron: 45.x pinned exactly, and the installed package and electron.d.ts are that version', () => {
    const pkg = JSON.parse(read('package.json')) as {
      devDependencies: Record<string, string>
      dependencies: Record<string, string>
    }
    const pinned = pkg.devDependencies.electron
    expect(pinned).toMatch(/^45\.\d+\.\d+$/)
    expect(pkg.dependencies.electron).toBeUndefined()
    const installed = (JSON.parse(read('node_modules/electron/package.json')) as { version: string }).version
    expect(installed).toBe(pinned)
    expect(read('node_modules/electron/electron.d.ts').split('\n', 1)[0]).toBe(`// Type definitions for Electron ${pinned}`)
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> }
    expect(lock.packages['node_modules/electron']?.version).toBe(pinned)
  })

  it('19. Fuses: the packaging flips them after packing (RunAsNode, NODE_OPTIONS, --inspect off; asar-only and integrity on)', async () => {
    // Configuration: electron-builder.ts packs into asar and runs scripts/after-pack.ts, whose
    // fuse set is the checklist's; tests/electron/packaging.test.ts flips a stand-in binary with it.
    const { default: config } = await import('../../electron-builder.ts')
    const { afterPack, FUSES } = await import('../../scripts/after-pack.ts')
    expect(config.asar).toBe(true)
    expect(config.afterPack).toBe(afterPack)
    expect(FUSES).toEqual({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    })
    // With RunAsNode off, `child_process.fork` from the app would start a second app, not Node:
    // the Electron side never imports it (process workers are utilityProcess children).
    for (const file of ELECTRON_SOURCES) {
      expect(read(relative(ROOT, file)), relative(ROOT, file)).not.toMatch(/from 'node:child_process'/)
    }
    expect(bundle.main).toMatch(/utilityProcess\.fork\(/)
    // One packager only, configured in one place.
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, unknown> | undefined>
    expect(pkg.build, 'package.json "build" would be merged into electron-builder.ts').toBeUndefined()
    expect(readdirSync(ROOT).filter((name) => /^(electron-builder|forge\.config|\.electron-builder)/.test(name))).toEqual([
      'electron-builder.ts',
    ])
  })
})
