// Real work beside the tools: sha256 of 400 files of 4 MiB (1.6 GB, in the page cache after
// the set-up writes them), Corelane's `hash` kind on 2 slots against `parallel sha256sum` and
// `xargs -P2 sha256sum`. Target (issue #11): Corelane ahead of both (ratio of times < 1).
import { availableParallelism } from 'node:os'
import { hasProgram, runCommand } from '../lib/command.ts'
import { rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'

const files = (quick: boolean) => (quick ? 40 : 400)
const MIB = 4
const SLOTS = 2

/** Writes the files once (into a folder kept for the whole measure) and returns their paths. */
async function makeFiles(quick: boolean): Promise<string[]> {
  const { mkdir, open } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { randomFillSync } = await import('node:crypto')
  const dir = join(tmpdir(), `corelane-bench-sha256-${files(quick)}`)
  await mkdir(dir, { recursive: true })
  const block = randomFillSync(Buffer.alloc(MIB << 20))
  const paths: string[] = []
  for (let i = 0; i < files(quick); i++) {
    const path = join(dir, `f${i}.bin`)
    // Distinct contents per file: a different first 8 bytes.
    block.writeDoubleLE(i, 0)
    const handle = await open(path, 'w')
    await handle.write(block)
    await handle.close()
    paths.push(path)
  }
  return paths
}

export const measure: Measure = {
  name: 'sha256',
  title: 'sha256 of 400 files of 4 MiB',
  how: (quick) =>
    `${files(quick)} files of ${MIB} MiB of random data, written once before the rounds (so they sit in the page ` +
    `cache: this measures hashing and scheduling, not the disk). Corelane: an engine with cpuSlots ${SLOTS}, ` +
    `engine.submit of { kind: 'hash', params: { file } } over the paths, timed to whenSettled, every digest checked ` +
    `present. GNU parallel: \`parallel --will-cite -j${SLOTS} sha256sum\` with the paths on stdin; xargs: \`xargs ` +
    `-P${SLOTS} -n1 sha256sum\` the same way (one file per process, as parallel does); both from spawn to exit, ` +
    `their output checked to hold one digest per file.`,
  variants: ['corelane', 'parallel', 'xargs'],
  unavailable: () => (hasProgram('parallel') && hasProgram('sha256sum') ? null : 'needs GNU parallel and sha256sum'),
  async prepare(quick: boolean) {
    return { paths: await makeFiles(quick), cores: availableParallelism() }
  },
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const paths = ctx.prepared.paths as string[]
    const input = paths.map((p) => `${p}\n`).join('')
    const digests = (stdout: string) => {
      const n = stdout.split('\n').filter((line) => /^[0-9a-f]{64}\s/.test(line)).length
      if (n !== paths.length) throw new Error(`expected ${paths.length} digests, got ${n}`)
    }
    if (variant === 'parallel') {
      const run = await runCommand('parallel', ['--will-cite', `-j${SLOTS}`, 'sha256sum'], { input })
      digests(run.stdout)
      return { ms: run.ms }
    }
    if (variant === 'xargs') {
      const run = await runCommand('xargs', [`-P${SLOTS}`, '-n1', 'sha256sum'], { input })
      digests(run.stdout)
      return { ms: run.ms }
    }
    const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
    return withEngine({ cpuSlots: SLOTS }, async (engine) => {
      // A small warm-up starts the thread workers (the tools start theirs inside the timing too, but in ~1 ms).
      await engine.submit({ template: { kind: 'hash', params: { mib: 1 } }, count: SLOTS })
      await engine.whenSettled()
      const t0 = performance.now()
      const { jobIds } = await engine.submit({ template: { kind: 'hash', params: { file: '{}' } }, inputs: paths })
      await engine.whenSettled()
      const ms = performance.now() - t0
      expectSucceeded(engine, paths.length + SLOTS)
      const last = engine.getJob(jobIds.at(-1)!)?.result as { digest?: string } | undefined
      if (!last?.digest || last.digest.length !== 64) throw new Error('no digest in the result')
      return { ms }
    })
  },
  rows(samples: Samples, ctx: VariantContext): Row[] {
    const r = rowsOf(samples, 'sha256', 'ms')
    const label = `sha256, ${files(ctx.quick)} × ${MIB} MiB, ${SLOTS} slots`
    return [
      r({ label, corelane: ['corelane', 'ms'], peer: ['parallel', 'ms', 'parallel sha256sum'], target: { ratioAtMost: 1 } }),
      r({ label, corelane: ['corelane', 'ms'], peer: ['xargs', 'ms', 'xargs -P2 sha256sum'], target: { ratioAtMost: 1 } }),
    ]
  },
}
