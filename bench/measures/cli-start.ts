// A one-job batch from the command line, the whole process: `corelane run` of a batch with one
// `true` shell job, from spawn to exit, against GNU parallel running one command. Target
// (issue #11): ≤ 1× GNU parallel. `node -e 0` and the TypeScript entry run directly (no
// compile cache) are context: the floor Node sets, and what the plain-JS entry saves.
import { fileURLToPath } from 'node:url'
import { corelaneCommand, hasProgram, NODE, runCommand } from '../lib/command.ts'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'

const CORELANE = corelaneCommand()
const TS_ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

/** A data folder, a batch file and a compile-cache folder shared by every round (as a user's would be). */
async function setUp(): Promise<Record<string, unknown>> {
  const { mkdtemp, writeFile } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), 'corelane-bench-cli-'))
  const batch = join(dir, 'one.json')
  await writeFile(batch, JSON.stringify({ name: 'one', jobs: [{ kind: 'shell', params: { argv: ['true'] } }] }))
  return { dir, batch, dataDir: join(dir, 'data'), cache: join(dir, 'compile-cache') }
}

export const measure: Measure = {
  name: 'cli-start',
  title: 'One-job batch from the CLI, whole process',
  how: () =>
    `Wall time from spawn to exit of \`node [the entry's shebang flags] src/cli/corelane.mjs run -q --data-dir D one.json\` (one job: ` +
    `{ kind: 'shell', params: { argv: ['true'] } }), on a data folder and compile cache that earlier rounds ` +
    `(and one run in the set-up) already used, as a user's second run finds them; against \`parallel --will-cite ` +
    `true ::: 1\`. Context: \`node -e 0\`, and \`node src/cli/main.ts run …\` without NODE_COMPILE_CACHE (the ` +
    `TypeScript entry, stripped at every start).`,
  variants: ['corelane', 'parallel', 'node', 'corelane-ts'],
  context: ['node', 'corelane-ts'],
  unavailable: () => (hasProgram('parallel') ? null : 'GNU parallel is not installed (Debian: apt-get install parallel)'),
  async prepare() {
    const setup = await setUp()
    await runCommand(NODE, [...CORELANE, 'run', '-q', '--data-dir', setup.dataDir as string, setup.batch as string], {
      env: { ...process.env, NODE_COMPILE_CACHE: setup.cache as string },
    })
    return setup
  },
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const { batch, dataDir, cache } = ctx.prepared as { batch: string; dataDir: string; cache: string }
    if (variant === 'parallel') return { ms: (await runCommand('parallel', ['--will-cite', 'true', ':::', '1'])).ms }
    if (variant === 'node') return { ms: (await runCommand(NODE, ['-e', '0'])).ms }
    const { NODE_COMPILE_CACHE: _, ...rest } = process.env
    const env: NodeJS.ProcessEnv = variant === 'corelane-ts' ? rest : { ...rest, NODE_COMPILE_CACHE: cache }
    const command = variant === 'corelane-ts' ? [TS_ENTRY] : CORELANE
    return { ms: (await runCommand(NODE, [...command, 'run', '-q', '--data-dir', dataDir, batch], { env })).ms }
  },
  rows(samples: Samples): Row[] {
    const r = rowsOf(samples, 'cli-start', 'ms')
    const label = 'corelane run, one shell job'
    return [
      r({
        label,
        corelane: ['corelane', 'ms'],
        peer: ['parallel', 'ms', 'GNU parallel, one command'],
        target: { ratioAtMost: 1 },
      }),
      r({ label, corelane: ['corelane', 'ms'], peer: ['node', 'ms', 'node -e 0'], target: REPORTED }),
      r({
        label: 'TypeScript entry, no compile cache',
        corelane: ['corelane-ts', 'ms'],
        peer: ['corelane', 'ms', 'corelane.mjs'],
        target: REPORTED,
      }),
    ]
  },
}
