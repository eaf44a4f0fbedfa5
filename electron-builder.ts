// Packaging for the desktop app (`npm run dist`): electron-builder reads this file itself.
// Linux AppImage and deb, Windows NSIS, macOS dmg, from the built app only: out/ (main,
// preload, renderer, worker entries) and the production dependencies electron-builder adds
// from package.json, all in one asar archive; Electron loads the workers from inside it
// (src/main/electron/bundle-layout.ts), so nothing is unpacked. The fuses are flipped by the
// afterPack hook (scripts/after-pack.ts). A `.json` batch opens in Corelane from the file
// manager (as an alternative handler: Corelane never claims every JSON file).
import type { Configuration } from 'electron-builder'
import { afterPack } from './scripts/after-pack.ts'

export const BATCH_FILE_ASSOCIATION = {
  ext: 'json',
  name: 'Corelane batch',
  description: 'Corelane batch of jobs',
  mimeType: 'application/json',
  role: 'Viewer',
  rank: 'Alternate',
} as const

const config: Configuration = {
  appId: 'dev.corelane.desktop',
  productName: 'Corelane',
  executableName: 'corelane-desktop',
  copyright: 'Corelane contributors',
  directories: { output: 'dist', buildResources: 'build' },
  files: ['out/**/*', '!out/**/*.map'],
  asar: true,
  // No native modules (node:sqlite is part of Electron's Node), so nothing to rebuild.
  npmRebuild: false,
  fileAssociations: [BATCH_FILE_ASSOCIATION],
  afterPack,
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Development',
    maintainer: 'Corelane contributors <corelane@users.noreply.github.com>',
    synopsis: 'Batch job runner that shows how work spreads across the CPU cores',
  },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools' },
  publish: null,
}

export default config
