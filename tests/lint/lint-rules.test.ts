// The two lint rules that guard the architecture, run through ESLint's own Node API with the
// project's eslint.config.js: each must fail on a planted violation (and pass the same code
// placed where it is allowed), or it guards nothing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const eslint = new ESLint({ cwd: ROOT })

/** The layer-rule messages ESLint reports for `code` linted as if it were the file `path`. */
async function layerProblems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) })
  return result!.messages.filter((m) => m.ruleId === 'corelane/layer-imports').map((m) => m.message)
}

describe('the layer rule', () => {
  it('refuses an engine file reaching into the Electron adapters, however the path is spelled', async () => {
    // From src/main/engine/x.ts, `../index.ts` is Electron's main; from kinds/ it is the engine's own index.
    expect(await layerProblems('src/main/engine/planted.ts', "import '../index.ts'\n")).toHaveLength(1)
    expect(await layerProblems('src/main/engine/kinds/planted.ts', "import '../index.ts'\n")).toEqual([])
    expect(await layerProblems('src/main/engine/planted.ts', "export * from './kinds/../../electron/menu.ts'\n")).toHaveLength(1)
    expect(await layerProblems('src/main/engine/planted.ts', "await import('../host/api-host.ts')\n")).toHaveLength(1)
  })

  it('refuses electron outside the adapters and Node built-ins in the renderer and shared', async () => {
    expect(await layerProblems('src/main/host/planted.ts', "import { app } from 'electron'\n")).toHaveLength(1)
    expect(await layerProblems('src/main/electron/planted.ts', "import { app } from 'electron'\n")).toEqual([])
    expect(await layerProblems('src/renderer/src/planted.ts', "import { readFile } from 'node:fs/promises'\n")).toHaveLength(1)
    expect(await layerProblems('src/shared/planted.ts', "import { join } from 'path'\n")).toHaveLength(1)
    expect(await layerProblems('src/preload/planted.ts', "import { join } from 'node:path'\n")).toHaveLength(1)
    expect(await layerProblems('src/preload/planted.ts', "import { contextBridge } from 'electron'\n")).toEqual([])
  })

  it('names the layer and where the import landed', async () => {
    const [message] = await layerProblems('src/cli/planted.ts', "import '../main/electron/menu.ts'\n")
    expect(message).toContain('src/main/electron/menu.ts')
    expect(message).toContain('src/cli may import only')
    expect(await layerProblems('src/cli/planted.ts', "import '../main/host/api-host.ts'\n")).toEqual([])
    expect(
      await layerProblems('src/renderer/src/planted.ts', "import type { X } from '../../main/engine/types.ts'\n"),
    ).toHaveLength(1)
  })
})

describe('the import-cycle rule', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  async function plant(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(ROOT, 'src/shared/planted-cycle-'))
    dirs.push(dir)
    for (const [name, code] of Object.entries(files)) await writeFile(join(dir, name), code)
    return dir
  }

  const cycleProblems = async (file: string) =>
    (await eslint.lintFiles([file]))[0]!.messages.filter((m) => m.ruleId === 'import-x/no-cycle')

  it('fails on a runtime cycle through three files', async () => {
    const dir = await plant({
      'a.ts': "import { b } from './b.ts'\nexport const a = () => b()\n",
      'b.ts': "import { c } from './c.ts'\nexport const b = () => c()\n",
      'c.ts': "import { a } from './a.ts'\nexport const c = () => a\n",
    })
    const problems = await cycleProblems(join(dir, 'a.ts'))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain('cycle')
  })

  it('ignores a cycle that exists only in types (erased before it runs)', async () => {
    const dir = await plant({
      'a.ts': "import type { B } from './b.ts'\nexport interface A { b?: B }\nexport const a = 1\n",
      'b.ts': "import { a } from './a.ts'\nexport interface B { n: number }\nexport const b = a\n",
    })
    expect(await cycleProblems(join(dir, 'a.ts'))).toEqual([])
    expect(await cycleProblems(join(dir, 'b.ts'))).toEqual([])
  })
})

describe('the file-length rule', () => {
  const lengthProblems = async (path: string, lines: number) => {
    const code = Array.from({ length: lines }, (_, i) => `export const v${i} = ${i}`).join('\n') + '\n'
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) })
    return result!.messages.filter((m) => m.ruleId === 'max-lines')
  }

  it('refuses a source file over 450 lines, and only in src/', async () => {
    expect(await lengthProblems('src/main/engine/planted.ts', 450)).toEqual([])
    expect(await lengthProblems('src/main/engine/planted.ts', 451)).toHaveLength(1)
    expect(await lengthProblems('src/renderer/src/planted.ts', 451)).toHaveLength(1)
    // Tests and benches may be longer (a suite per feature).
    expect(await lengthProblems('tests/engine/planted.test.ts', 451)).toEqual([])
  })
})
