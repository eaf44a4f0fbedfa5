// The seed experiments behind the concurrency lab's lessons (docs/architecture.md, "The lab"),
// run by Python's standard library (bench/peers/seeds.py: ThreadPoolExecutor, asyncio.gather,
// ProcessPoolExecutor, multiprocessing.Pool, a plain loop) and by Corelane doing the same
// thing. Target: Corelane's wall time ≤ Python's.
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { pythonVersion } from '../lib/machine.ts'
import { rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'

const SEEDS = fileURLToPath(new URL('../peers/seeds.py', import.meta.url))
const cores = availableParallelism()
const sleepMs = (quick: boolean) => (quick ? 250 : 1000)
const cpuN = (quick: boolean) => (quick ? 1_000_000 : 10_000_000)

async function corelane(quick: boolean): Promise<Metrics> {
  const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
  const ms = sleepMs(quick)
  const n = cpuN(quick)
  // Like Python's precompiled standard library, an installed Corelane has its worker code in
  // its compile cache after the first run: every engine here shares one cache folder, filled
  // once (untimed) by a first engine that starts a thread and a process worker.
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const compileCacheDir = await mkdtemp(join(tmpdir(), 'corelane-bench-cache-'))
  await withEngine({ compileCacheDir }, async (engine) => {
    await engine.run({ kind: 'sleep', params: { ms: 1 } })
    await engine.run({ kind: 'sum-squares', params: { n: 10 }, executor: 'thread' })
    await engine.run({ kind: 'sum-squares', params: { n: 10 }, executor: 'process' })
    await new Promise((resolve) => setTimeout(resolve, 100))
  })
  // Each experiment times a new engine from creation to its last result (closing not included).
  const timed = async (options: { ioConcurrency?: number; cpuSlots?: number }, template: object, count: number) => {
    let wall = 0
    await withEngine({ ...options, compileCacheDir }, async (engine) => {
      const t0 = performance.now()
      await engine.submit({ template, count })
      await engine.whenSettled()
      wall = performance.now() - t0
      expectSucceeded(engine, count)
    })
    return wall
  }
  try {
    return {
      sleeps: await timed({ ioConcurrency: 4 }, { kind: 'sleep', params: { ms } }, 8),
      gather: await timed({}, { kind: 'sleep', params: { ms } }, 4),
      cpuParallel: await timed({ cpuSlots: cores }, { kind: 'sum-squares', params: { n }, executor: 'process' }, 3),
      cpuSequential: await timed({ cpuSlots: 1 }, { kind: 'sum-squares', params: { n }, executor: 'thread' }, 3),
    }
  } finally {
    await rm(compileCacheDir, { recursive: true, force: true })
  }
}

async function python(quick: boolean): Promise<Metrics> {
  const { execFile } = await import('node:child_process')
  const args = [SEEDS, String(sleepMs(quick) / 1000), String(cpuN(quick)), String(cores)]
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('python3', args, { encoding: 'utf8' }, (error, out) => (error ? reject(error) : resolve(out))),
  )
  return JSON.parse(stdout) as Metrics
}

export const measure: Measure = {
  name: 'python-seeds',
  title: 'The Python seed experiments vs Corelane',
  how: (quick) =>
    `Each side times every experiment from creating its pool / engine to having all results (shutdown not included), ` +
    `in one process per round. Corelane's engines share a compile cache filled once per round by an untimed engine ` +
    `(an installed app's state after its first run; Python's standard library is likewise precompiled). Sleeps: 8 tasks of ${sleepMs(quick)} ms on a pool of 4 — Python ThreadPoolExecutor(4).map` +
    `(time.sleep); Corelane sleep jobs on the I/O lane with ioConcurrency 4. Gather: 4 waits of ${sleepMs(quick)} ms — ` +
    `asyncio.gather of asyncio.sleep; Corelane 4 sleep jobs. CPU: 3 × sum(i*i for i < ${cpuN(quick).toExponential(0)}) — ` +
    `ProcessPoolExecutor(${cores}) and multiprocessing.Pool(${cores}) vs Corelane sum-squares on the process executor ` +
    `(cpuSlots ${cores}); sequential: a plain Python loop vs Corelane with cpuSlots 1 on a thread.` +
    (quick
      ? ' Quick mode scales sleeps to 250 ms and n to 1e6 (the full run uses 1 s and 1e7, as the tutorials size them).'
      : ''),
  variants: ['corelane', 'python'],
  unavailable: () => (pythonVersion() ? null : 'python3 is not installed on this machine'),
  run: (variant: string, ctx: VariantContext) => (variant === 'python' ? python(ctx.quick) : corelane(ctx.quick)),
  rows(samples: Samples, ctx: VariantContext): Row[] {
    const r = rowsOf(samples, 'python-seeds', 'ms')
    const s = sleepMs(ctx.quick)
    const vs = (label: string, corelane: string, python: string, pythonLabel: string) =>
      r({ label, corelane: ['corelane', corelane], peer: ['python', python, pythonLabel], target: { ratioAtMost: 1 } })
    return [
      vs(`8 × ${s} ms sleeps, pool of 4`, 'sleeps', 'sleepsThreadPool', 'ThreadPoolExecutor'),
      vs(`4 × ${s} ms fetch-like waits`, 'gather', 'gatherAsyncio', 'asyncio.gather'),
      vs('3 sum-squares, parallel processes', 'cpuParallel', 'cpuProcessPoolExecutor', 'ProcessPoolExecutor'),
      vs('3 sum-squares, parallel processes', 'cpuParallel', 'cpuMultiprocessing', 'multiprocessing.Pool'),
      vs('3 sum-squares, one after another', 'cpuSequential', 'cpuSequential', 'Python loop'),
    ]
  },
}
