// Runs a user's module: its default export is called with (input, ctx) and its result is the
// job's result. The module runs with the worker's full rights, which is why this kind defaults
// to the process executor.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { guardStandardStreams } from './std-fd-guard.ts'

export const script: KindRunner<KindParams<'script'>> = async ({ module, input }, ctx) => {
  throwIfAborted(ctx.signal)
  if (ctx.executor === 'thread') guardStandardStreams()
  const file = resolve(module)
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) throw new Error(`script not found: ${file}`)
  // Modules are cached by URL for the worker's lifetime: keying on the mtime makes an edited
  // script load afresh on the next run, while repeated runs of one version share one load.
  const url = `${pathToFileURL(file).href}?mtime=${info.mtimeMs}`
  let loaded: { default?: unknown }
  try {
    loaded = await import(/* @vite-ignore */ url)
  } catch (err) {
    throw new Error(`could not load script ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (typeof loaded.default !== 'function') throw new Error(`script ${file} has no default export function`)
  return await loaded.default(input, ctx)
}
