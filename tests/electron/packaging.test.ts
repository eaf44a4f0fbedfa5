// The packaging configuration (electron-builder.ts, scripts/after-pack.ts), shown without the
// Electron binary (it cannot be downloaded here, so `npm run dist` cannot run):
//   - electron-builder itself loads the config (its own loader) and validates it (its own
//     JSON schema), which also refuses a broken variant, so the validation is live;
//   - the afterPack hook flips the fuses of a stand-in binary (TEST DOUBLE at the external
//     edge: a file carrying Electron's fuse sentinel and wire) for each platform's layout, read
//     back with @electron/fuses;
//   - the built output (out/, by electron-vite), packed into a real asar archive with the
//     files the config selects, holds every path the main process starts (preload, renderer,
//     worker thread and utilityProcess entries, the monitor and store workers) and every file
//     those import, and needs no package the packaged app would not have.
import { mkdir, mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises'
import { builtinModules, createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, posix, relative } from 'node:path'
import type * as Asar from '@electron/asar'
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import builderConfig, { BATCH_FILE_ASSOCIATION } from '../../electron-builder.ts'
import { afterPack, FUSES } from '../../scripts/after-pack.ts'
import { bundleLayout } from '../../src/main/electron/bundle-layout.ts'
import { ROOT, ensureBuilt, filesUnder } from './built-app.ts'

const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Record<string, unknown>>
  validateConfiguration(config: unknown, logger: unknown): Promise<void>
}
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
const asar = require('@electron/asar') as typeof Asar

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-packaging-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('electron-builder configuration', () => {
  it('is the one electron-builder finds and loads, and passes its own schema', async () => {
    const loaded = await getConfig(ROOT, null, null)
    expect(loaded.appId).toBe(builderConfig.appId)
    // electron-builder loads the file with its own TypeScript loader (jiti): the hook is its own copy of ours.
    expect(typeof loaded.afterPack).toBe('function')
    expect((loaded.afterPack as () => unknown).name).toBe(afterPack.name)
    await expect(validateConfiguration(loaded, new DebugLogger(false))).resolves.toBeUndefined()
    // The validator is live: a wrong value is refused, naming the field.
    await expect(validateConfiguration({ ...loaded, asar: 'yes' }, new DebugLogger(false))).rejects.toThrow(/configuration\.asar/)
  })

  it('packs out/ only, in asar, with the targets of every platform and the batch file association', () => {
    expect(builderConfig.asar).toBe(true)
    expect(builderConfig.asarUnpack).toBeUndefined()
    expect(builderConfig.files).toEqual(['out/**/*', '!out/**/*.map'])
    expect(builderConfig.linux?.target).toEqual(['AppImage', 'deb'])
    expect(builderConfig.win?.target).toEqual(['nsis'])
    expect(builderConfig.mac?.target).toEqual(['dmg'])
    expect(builderConfig.fileAssociations).toEqual([BATCH_FILE_ASSOCIATION])
    expect(BATCH_FILE_ASSOCIATION).toMatchObject({ ext: 'json', mimeType: 'application/json', rank: 'Alternate' })
    // electron-builder's own fuse option stays unset: the hook is the one place fuses are set.
    expect(builderConfig.electronFuses).toBeUndefined()
  })

  it('has a dist script that builds first', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
      main: string
    }
    expect(pkg.scripts.dist).toMatch(/^electron-vite build && electron-builder\b/)
    expect(pkg.main).toBe('./out/main/index.js')
  })
})

/** A stand-in Electron binary: filler, the fuse sentinel, wire version 1, and Electron's default wire. */
async function fakeElectron(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  // Electron 45's defaults: RunAsNode, NodeOptions and CLI inspect on; integrity and asar-only off.
  const wire = Buffer.from('101100001', 'latin1')
  await writeFile(
    path,
    Buffer.concat([
      Buffer.alloc(4096, 7),
      Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
      Buffer.from([1, wire.length]),
      wire,
      Buffer.alloc(64),
    ]),
  )
}

describe('fuses (afterPack)', () => {
  const layouts = [
    { platform: 'linux', binary: 'corelane-desktop', fuseFile: 'corelane-desktop' },
    { platform: 'win32', binary: 'Corelane.exe', fuseFile: 'Corelane.exe' },
    {
      platform: 'darwin',
      binary: 'Corelane.app',
      fuseFile: 'Corelane.app/Contents/Frameworks/Electron Framework.framework/Electron Framework',
    },
  ]
  for (const layout of layouts) {
    it(`flips the fuses of the packed ${layout.platform} binary`, async () => {
      const appOutDir = join(dir, layout.platform)
      await fakeElectron(join(appOutDir, layout.fuseFile))
      const context = {
        appOutDir,
        outDir: dir,
        electronPlatformName: layout.platform,
        arch: 1, // x64
        targets: [],
        packager: { appInfo: { productFilename: 'Corelane' }, executableName: 'corelane-desktop' },
      }
      await afterPack(context as never)
      const wire = await getCurrentFuseWire(join(appOutDir, layout.binary))
      expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE)
      expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE)
      expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE)
      expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE)
      expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE)
      // Fuses the hook does not name keep Electron's value.
      expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.DISABLE)
    })
  }

  it('sets exactly the five fuses the checklist names', () => {
    expect(FUSES).toEqual({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    })
  })
})

describe('the built app inside an asar archive', () => {
  let archive: string
  let inArchive: Set<string>

  beforeAll(async () => {
    ensureBuilt()
    // What the config selects: package.json (always packed) and out/ without source maps.
    const stage = join(dir, 'stage')
    await mkdir(stage, { recursive: true })
    await cp(join(ROOT, 'out'), join(stage, 'out'), { recursive: true, filter: (src) => !src.endsWith('.map') })
    await cp(join(ROOT, 'package.json'), join(stage, 'package.json'))
    archive = join(dir, 'app.asar')
    await asar.createPackage(stage, archive)
    inArchive = new Set(asar.listPackage(archive, { isPack: false }).map((p) => p.replaceAll('\\', '/').replace(/^\//, '')))
  }, 120_000)

  /** A path under the archive, as the archive lists it, or null when it points outside. */
  function entry(path: string): string | null {
    const rel = relative(archive, path).replaceAll('\\', '/')
    return rel.startsWith('..') ? null : rel
  }

  it('holds every file the main process starts or loads, at the path it computes', () => {
    // In a packaged app, import.meta.dirname of out/main/index.js is <resources>/app.asar/out/main.
    const layout = bundleLayout(join(archive, 'out/main'))
    const paths = [
      layout.preload,
      layout.workerEntries.thread,
      layout.workerEntries.process,
      layout.monitorEntry,
      layout.storeEntry,
      join(layout.rendererDir, 'index.html'),
    ]
    for (const path of paths) {
      const rel = entry(path)
      expect(rel, path).not.toBeNull()
      expect(inArchive.has(rel!), `${rel} in app.asar`).toBe(true)
    }
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string }
    expect(inArchive.has(posix.normalize(pkg.main))).toBe(true)
  })

  it('resolves every relative import of the main bundles inside the archive, and needs only production dependencies', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    const builtins = new Set(builtinModules)
    const mainFiles = [...inArchive].filter((p) => p.startsWith('out/main/') && p.endsWith('.js'))
    expect(mainFiles.length).toBeGreaterThan(5)
    const bare = new Set<string>()
    for (const file of mainFiles) {
      const code = asar.extractFile(archive, file).toString('utf8')
      // TypeScript's own pre-processor lists the import specifiers, so text inside string
      // literals (a message ending in "from") is never taken for an import.
      for (const imported of ts.preProcessFile(code, true, true).importedFiles) {
        const spec = imported.fileName
        if (spec.startsWith('.')) {
          const target = posix.normalize(posix.join(posix.dirname(file), spec))
          expect(inArchive.has(target), `${file} imports ${spec}`).toBe(true)
        } else bare.add(spec)
      }
    }
    for (const spec of bare) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
      const ok = spec === 'electron' || spec.startsWith('node:') || builtins.has(spec) || name in pkg.dependencies
      expect(ok, `${spec}: a devDependency is not in the package`).toBe(true)
    }
    expect(bare.has('electron')).toBe(true)
  })

  it('leaves no source, map or test in what is packed', () => {
    const packed = filesUnder(join(dir, 'stage'), /./).map((f) => relative(join(dir, 'stage'), f).replaceAll('\\', '/'))
    expect(packed.filter((p) => !p.startsWith('out/') && p !== 'package.json')).toEqual([])
    expect(packed.filter((p) => p.endsWith('.map') || p.endsWith('.ts'))).toEqual([])
  })
})
