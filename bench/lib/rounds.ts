// Interleaving: every round runs Corelane and each peer once, each in a fresh child process,
// in an order that rotates from round to round, so drift on the machine (thermal, other load,
// page cache) is spread over all variants instead of landing on whichever ran last.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { backgroundShare, processTreeTicks, systemCpu, waitForQuiet } from './background.ts'
import type { Measure, Metrics, RoundResult, VariantContext } from './types.ts'

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))
/** A variant that takes longer than this is killed and its round recorded as failed. */
const VARIANT_TIMEOUT_MS = 180_000

/** Round r runs the variants rotated left by r: each variant takes each position in turn. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const k = items.length
  if (k === 0) return []
  const shift = round % k
  return [...items.slice(shift), ...items.slice(0, shift)]
}

export interface ChildResult {
  metrics: Metrics
  /** Share of the machine's CPU used by other processes meanwhile (0..1), when known. */
  background: number | null
}

export function runChild(measure: Measure, variant: string, ctx: VariantContext): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const before = systemCpu()
    const child = fork(CHILD, [measure.name, variant, JSON.stringify(ctx)], {
      execArgv: measure.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let settled = false
    const finish = (error: Error | null, result?: ChildResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (error) reject(error)
      else resolve(result!)
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish(
        new Error(`${measure.name}/${variant}: no result after ${(measure.timeoutMs ?? VARIANT_TIMEOUT_MS) / 1000} s, killed`),
      )
    }, measure.timeoutMs ?? VARIANT_TIMEOUT_MS)
    child.on('message', (message: { metrics?: Metrics; error?: string }) => {
      if (message.error) finish(new Error(`${measure.name}/${variant}: ${message.error}`))
      else {
        const own = child.pid === undefined ? null : processTreeTicks(child.pid)
        finish(null, { metrics: message.metrics!, background: backgroundShare(before, systemCpu(), own) })
      }
    })
    child.on('error', (error) => finish(error))
    child.on('exit', (code, signal) => {
      finish(new Error(`${measure.name}/${variant}: child exited (${signal ?? code}) without a result`))
    })
  })
}

/** Runs `rounds` interleaved rounds of every variant; failures are recorded, not thrown. */
export async function runRounds(
  measure: Measure,
  variants: readonly string[],
  rounds: number,
  ctx: VariantContext,
  settleMs: number,
  onResult: (result: RoundResult) => void,
): Promise<RoundResult[]> {
  const results: RoundResult[] = []
  const context = new Set(measure.context ?? [])
  for (let round = 0; round < rounds; round++) {
    const order = roundOrder(
      variants.filter((v) => round % 3 === 0 || !context.has(v)),
      round,
    )
    for (let i = 0; i < order.length; i++) {
      const variant = order[i]!
      const quiet = await waitForQuiet(settleMs)
      const settle = { settledMs: quiet.waitedMs, loadBefore: quiet.load }
      const started = performance.now()
      let outcome: ChildResult | { error: string }
      try {
        outcome = await runChild(measure, variant, ctx)
      } catch (error) {
        outcome = { error: (error as Error).message }
      }
      const result: RoundResult = { round, variant, order: i, ms: Math.round(performance.now() - started), ...settle, ...outcome }
      results.push(result)
      onResult(result)
    }
  }
  return results
}
