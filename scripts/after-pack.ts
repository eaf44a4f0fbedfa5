// electron-builder's afterPack hook: flips Electron's fuses in the packed binary, before any
// signing (a flipped fuse changes the binary, so it must come first; electron-builder signs
// after this hook). The fuses switch off what an installed app never needs and an attacker
// would use: running the binary as plain Node (RunAsNode: `ELECTRON_RUN_AS_NODE=1 corelane`
// would be a signed Node interpreter), NODE_OPTIONS and --inspect (code injection into a
// running app), and they make Electron load the app only from its asar archive and check that
// archive's integrity (embedded hash; macOS and Windows). See README.md, "Packaging".
import { join } from 'node:path'
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses'
import type { AfterPackContext } from 'electron-builder'

/** The fuse settings of every packaged Corelane, whatever the platform. */
export const FUSES = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
} as const

/** builder-util's Arch.arm64. */
const ARM64 = 3

/** The file that holds the fuse wire: the app bundle on macOS, the executable elsewhere. */
export function electronBinary(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName' | 'packager'>): string {
  const { appOutDir, electronPlatformName, packager } = context
  const productFilename = packager.appInfo.productFilename
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return join(appOutDir, `${productFilename}.app`)
  if (electronPlatformName === 'win32') return join(appOutDir, `${productFilename}.exe`)
  return join(appOutDir, (packager as unknown as { executableName: string }).executableName)
}

export async function afterPack(context: AfterPackContext): Promise<void> {
  const config: FuseV1Config = {
    version: FuseVersion.V1,
    // Apple Silicon refuses to run a binary whose ad-hoc signature no longer matches.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === ARM64,
    ...FUSES,
  }
  await flipFuses(electronBinary(context), config)
}

export default afterPack
