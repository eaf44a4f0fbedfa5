// Per-job overhead of shell jobs: 1,000 runs of `true` on 2 slots, Corelane against the two
// command-line tools people reach for, `xargs -P2` and GNU parallel `-j2`, in the same run.
// Target (issue #11): Corelane ≤ 1.5× xargs.
import { hasProgram, runCommand } from '../lib/command.ts'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'

const jobs = (quick: boolean) => (quick ? 200 : 1000)
const SLOTS = 2

/** One argument per line: each tool runs `true <n>` once per line. */
const inputLines = (n: number) => Array.from({ length: n }, (_, i) => `${i}\n`).join('')

export const measure: Measure = {
  name: 'shell-jobs',
  title: 'Shell jobs: 1,000 × `true` on 2 slots',
  how: (quick) =>
    `${jobs(quick).toLocaleString('en')} runs of /bin/true, ${SLOTS} at a time. Corelane: an engine with cpuSlots ${SLOTS} ` +
    `(child_process.fork host, its own data folder, so every job writes its row and opens its log file), ` +
    `warmed with ${SLOTS * 2} shell jobs so its process workers are up; then engine.submit of a template ` +
    `{ kind: 'shell', params: { argv: ['true', '{}'] } } over the inputs, timed to whenSettled, every job checked ` +
    `succeeded. xargs: \`xargs -P${SLOTS} -n1 true\` fed the same lines on stdin; GNU parallel: \`parallel --will-cite ` +
    `-j${SLOTS} true\` the same way; both timed from spawn to exit (their start-up is ~1 ms and ~100 ms).`,
  variants: ['corelane', 'xargs', 'parallel'],
  unavailable: () => (hasProgram('parallel') ? null : 'GNU parallel is not installed (Debian: apt-get install parallel)'),
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const n = jobs(ctx.quick)
    if (variant === 'xargs')
      return { ms: (await runCommand('xargs', [`-P${SLOTS}`, '-n1', 'true'], { input: inputLines(n) })).ms }
    if (variant === 'parallel') {
      return { ms: (await runCommand('parallel', ['--will-cite', `-j${SLOTS}`, 'true'], { input: inputLines(n) })).ms }
    }
    const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
    return withEngine({ cpuSlots: SLOTS }, async (engine) => {
      const template = { kind: 'shell', params: { argv: ['true', '{}'] } }
      await engine.submit({ template, inputs: Array.from({ length: SLOTS * 2 }, (_, i) => String(i)) })
      await engine.whenSettled()
      const inputs = Array.from({ length: n }, (_, i) => String(i))
      const t0 = performance.now()
      await engine.submit({ template, inputs })
      await engine.whenSettled()
      const ms = performance.now() - t0
      expectSucceeded(engine, n + SLOTS * 2)
      return { ms }
    })
  },
  rows(samples: Samples, ctx: VariantContext): Row[] {
    const r = rowsOf(samples, 'shell-jobs', 'ms')
    const label = `${jobs(ctx.quick).toLocaleString('en')} × true, ${SLOTS} slots`
    return [
      r({ label, corelane: ['corelane', 'ms'], peer: ['xargs', 'ms', 'xargs -P2'], target: { ratioAtMost: 1.5 } }),
      r({ label, corelane: ['corelane', 'ms'], peer: ['parallel', 'ms', 'GNU parallel -j2'], target: REPORTED }),
    ]
  },
}
