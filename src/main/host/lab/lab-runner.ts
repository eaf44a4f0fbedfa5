// Runs one experiment of the concurrency lab (its module in experiments/ says what): the same
// batch under each strategy, then speed-ups, efficiencies, the expectation checks and one
// sentence explaining what the numbers show, computed from them.
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { defaultPool } from '../../../shared/lab.ts'
import type { ExperimentId, LabResult, LabRunOptions, StrategyId, StrategyResult } from '../../../shared/lab.ts'
import { calibrateSquares } from './calibrate.ts'
import type { LabContext, LabExperiment } from './experiment.ts'
import { LAB_EXPERIMENTS } from './experiments.ts'
import { findPython, writePythonScript } from './python.ts'
import { compileCacheDir as compileCacheIn, labScratchPrefix } from '../../engine/data-layout.ts'
import { runStrategy, STRATEGY_LABELS, type LabEnv } from './run-strategy.ts'
import { SCALES } from './scale.ts'
import { scoreStrategies } from './score.ts'
import { startSlowServer } from './slow-server.ts'
import { warmUp } from './warm-up.ts'

export async function runExperiment(
  options: LabRunOptions,
  baseEnv: Omit<LabEnv, 'dataDir'> & { dataDir?: string },
): Promise<LabResult> {
  const experiment = LAB_EXPERIMENTS[options.experiment]
  const cores = availableParallelism()
  const ctx: LabContext = {
    scale: SCALES[options.scale],
    pool: options.pool ?? defaultPool(options.experiment, cores),
    cores,
    squaresN: 0,
    server: null,
  }
  const scratch = await mkdtemp(labScratchPrefix(baseEnv.dataDir ?? tmpdir()))
  // Start-up is measured as the app's own engine pays it: with the app's compile cache.
  const compileCacheDir = baseEnv.compileCacheDir ?? (baseEnv.dataDir ? compileCacheIn(baseEnv.dataDir) : undefined)
  const env: LabEnv = { ...baseEnv, dataDir: scratch, compileCacheDir }
  const startedAt = Date.now()
  const results: StrategyResult[] = []
  const python = await findPython()
  let server: Awaited<ReturnType<typeof startSlowServer>> | null = null
  try {
    if (experiment.slowServerMs) ctx.server = server = await startSlowServer(experiment.slowServerMs(ctx.scale))
    await warmUp(experiment.jobs({ ...ctx, squaresN: 1 }), env, server?.warmUrl)
    if (experiment.cpuBound) ctx.squaresN = (await calibrateSquares(env, ctx.scale.cpuTaskMs)).n
    const jobs = experiment.jobs(ctx)
    for (const strategy of experiment.info.strategies) {
      if (experiment.measure) {
        results.push(await experiment.measure(strategy, ctx, env))
        continue
      }
      const outcome = await runStrategy(strategy, jobs, ctx.pool, cores, env)
      await outcome.engine.close()
      results.push(outcome.result)
    }
    if (options.python) {
      if (!python.available) {
        for (const strategy of experiment.pythonStrategies) results.push(skipped(strategy, ctx.pool, cores, python.note!))
      } else if (experiment.pythonStrategies.length) {
        const script = await writePythonScript(scratch)
        for (const strategy of experiment.pythonStrategies) {
          results.push(await runPython(strategy, options.experiment, experiment, script, ctx, env))
        }
      }
    }
  } finally {
    server?.close()
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined)
  }

  scoreStrategies(results, cores, experiment.cpuBound)

  const find = (strategy: StrategyId) => results.find((r) => r.strategy === strategy)
  const result: LabResult = {
    experiment: options.experiment,
    title: experiment.info.title,
    cores,
    pool: ctx.pool,
    scale: options.scale,
    startedAt,
    strategies: results,
    checks: experiment.checks(find, ctx).filter((check) => check !== null),
    ...(experiment.cpuBound ? { cpuTask: { n: ctx.squaresN, targetMs: ctx.scale.cpuTaskMs } } : {}),
    explanation: '',
    python,
  }
  result.explanation = experiment.explain(result, ctx) || 'Some strategies did not run, so there is nothing to compare.'
  return result
}

function skipped(strategy: StrategyId, pool: number, cores: number, reason: string): StrategyResult {
  return {
    strategy,
    label: STRATEGY_LABELS[strategy],
    pool,
    wallMs: 0,
    speedup: null,
    efficiency: null,
    startupMs: 0,
    coreLoad: new Array<number>(cores).fill(0),
    coreSamples: [],
    timeline: [],
    skipped: reason,
  }
}

/** The Python original as one shell job; its own JSON line gives the wall time without interpreter start-up. */
async function runPython(
  strategy: StrategyId,
  id: ExperimentId,
  experiment: LabExperiment,
  script: string,
  ctx: LabContext,
  env: LabEnv,
): Promise<StrategyResult> {
  const argv = ['python3', script, id, strategy, String(ctx.pool), ...experiment.pythonArgs(ctx)]
  const outcome = await runStrategy(
    strategy,
    [{ name: STRATEGY_LABELS[strategy], kind: 'shell', params: { argv } }],
    1,
    ctx.cores,
    env,
  )
  const log = await outcome.engine.readLog(outcome.jobs[0]!.id)
  await outcome.engine.close()
  const line = log.text.trim().split('\n').at(-1) ?? ''
  let wallMs = outcome.result.wallMs
  try {
    wallMs = (JSON.parse(line) as { wallMs: number }).wallMs
  } catch {
    // Keep the engine's measurement (it includes the interpreter's start-up).
  }
  return { ...outcome.result, pool: strategy === 'python-sequential' ? 1 : ctx.pool, wallMs, startupMs: 0 }
}
