// The concurrency lab, each experiment scaled down, on real workers: the measured result lands
// within the stated tolerance of the classic expectation, and the explanation is computed from
// the numbers of the run (it quotes them).
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { LabResult } from '../../../src/shared/lab.ts'
import { runExperiment } from '../../../src/main/host/lab/lab-runner.ts'
import { createEngine, startMonitor } from '../../../src/main/engine/index.ts'
import { calibrateSquares } from '../../../src/main/host/lab/calibrate.ts'
import { renderLab } from '../../../src/cli/lab-command.ts'

let hasPython = false
try {
  execFileSync('python3', ['--version'])
  hasPython = true
} catch {
  hasPython = false
}

function wall(result: LabResult, strategy: string): number {
  return result.strategies.find((s) => s.strategy === strategy)!.wallMs
}

function quotes(result: LabResult, strategy: string): boolean {
  const ms = wall(result, strategy)
  const text = ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`
  return result.explanation.includes(text)
}

// Each lesson is judged on wall times, and on this shared 2-vCPU VM two timed runs of the same
// CPU work have drifted apart by 0.62–1.41× from one CI run to the next (the other vCPU is
// sometimes taken away for a moment). A lesson must hold in one of three tries: a check that is
// wrong every time still fails.
describe('concurrency lab', { retry: 2 }, () => {
  it('8 sleeps on a pool of 4 take about 2 sleeps, not 8', async () => {
    const monitor = startMonitor({ hz: 4, onError: () => undefined })
    const result = await runExperiment({ experiment: 'sleep-pool', scale: 'quick', python: false }, { monitor })
    await monitor.close()
    for (const check of result.checks) expect(check.met, `${check.text}: ${check.measuredMs} vs ${check.expectedMs}`).toBe(true)
    expect(wall(result, 'threads') / wall(result, 'sequential')).toBeLessThan(0.4)
    expect(
      result.strategies
        .find((s) => s.strategy === 'threads')!
        .timeline.map((b) => b.worker)
        .sort(),
    ).toEqual([0, 0, 1, 1, 2, 2, 3, 3])
    expect(result.strategies.some((s) => s.coreSamples.length > 0)).toBe(true)
    expect(quotes(result, 'threads')).toBe(true)
    // Sleeps use no core: a speed-up against sequential, but no "% of the cores".
    for (const s of result.strategies) expect(s.efficiency).toBeNull()
    expect(result.strategies.find((s) => s.strategy === 'threads')!.speedup).toBeGreaterThan(2.5)
  })

  it('4 fetches from a slow loopback server gathered take about one fetch', async () => {
    const result = await runExperiment({ experiment: 'gather-fetch', scale: 'quick', python: false }, { monitor: null })
    for (const check of result.checks) expect(check.met, check.text).toBe(true)
    expect(quotes(result, 'async')).toBe(true)
  })

  it('3 CPU tasks in parallel take about ceil(3 / cores) tasks, on threads and processes', async () => {
    const result = await runExperiment({ experiment: 'cpu-parallel', scale: 'quick', python: false }, { monitor: null })
    for (const check of result.checks) expect(check.met, `${check.text}: ${check.measuredMs} vs ${check.expectedMs}`).toBe(true)
    expect(result.explanation).toContain('there is no GIL')
    // Honest sizes: each task was calibrated to this machine and lasted hundreds of ms (quick: about 300).
    const sequential = result.strategies.find((s) => s.strategy === 'sequential')!
    expect(result.cpuTask!.targetMs).toBeGreaterThanOrEqual(200)
    for (const bar of sequential.timeline) expect(bar.endMs - bar.startMs).toBeGreaterThan(result.cpuTask!.targetMs * 0.5)
    // A met check means the parallel run was faster than the sequential one.
    if (result.cores >= 2) {
      for (const check of result.checks) {
        const run = result.strategies.find((s) => s.strategy === check.strategy)!
        expect(run.speedup!).toBeGreaterThan(1)
      }
    }
    for (const s of result.strategies) expect(s.efficiency).toBeCloseTo(s.speedup! / Math.min(s.pool, result.cores))
  })

  it('the same CPU tasks on one event loop take about the sum of their times', async () => {
    const result = await runExperiment({ experiment: 'cpu-sequential', scale: 'quick', python: hasPython }, { monitor: null })
    for (const check of result.checks) expect(check.met, `${check.text}: ${check.measuredMs} vs ${check.expectedMs}`).toBe(true)
    if (hasPython) {
      // The GIL, measured: Python threads give no speed-up on CPU work.
      const py = result.strategies.find((s) => s.strategy === 'python-threads')!
      expect(py.skipped).toBeUndefined()
      expect(py.speedup).toBeLessThan(1.3)
    } else expect(result.python.note).toContain('python3')
  })

  it('10,000 concurrent one-second timers take about one second', async () => {
    const result = await runExperiment({ experiment: 'timers-10k', scale: 'quick', python: false }, { monitor: null })
    for (const check of result.checks) expect(check.met, `${check.text}: ${check.measuredMs} vs ${check.expectedMs}`).toBe(true)
  })

  it('measures thread and process start-up and message cost, and says what it found', async () => {
    const result = await runExperiment({ experiment: 'startup-cost', scale: 'quick', python: false }, { monitor: null })
    const [startup, messages] = result.checks
    expect(startup!.text).toContain('first message')
    expect(startup!.measuredMs).toBeGreaterThan(0)
    // Whether a process starts 2× slower depends on the Node version (not on Node 24 here); the sentence follows the measurement.
    expect(result.explanation).toContain(startup!.met ? 'faster than a process' : 'about as fast as a thread')
    // Message cost. Which executor wins a warm round trip is not stable on this 2-vCPU VM (medians
    // of 24–59 µs on a thread against 34–91 µs on a process across runs: it depends on where the
    // hypervisor places the threads), so the test checks what must hold every time: the check's
    // verdict follows its own numbers, both costs are message-sized (a fallback to polling
    // timers would cost milliseconds), and the explanation quotes them.
    const trip = (strategy: string) => result.strategies.find((s) => s.strategy === strategy)!.extra!.roundTripMs!
    expect(messages!.text).toContain('round trip')
    expect(messages!.expectedMs).toBe(trip('threads'))
    expect(messages!.measuredMs).toBe(trip('processes'))
    expect(messages!.met).toBe(trip('processes') > trip('threads'))
    for (const strategy of ['threads', 'processes']) {
      expect(trip(strategy)).toBeGreaterThan(0)
      expect(trip(strategy)).toBeLessThan(1)
    }
    expect(result.explanation).toContain(`${(trip('threads') * 1000).toFixed(0)} µs on a thread`)
    // No sequential run, so no speed-up to show ("1.0×" for both); the two costs stand side by side instead.
    for (const s of result.strategies) expect([s.speedup, s.efficiency]).toEqual([null, null])
    expect(renderLab(result)).toContain(`round trip`)
  })

  it('calibrates the CPU task to the machine: a task of the calibrated n takes about the target', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'corelane-calibrate-'))
    try {
      const env = { dataDir, monitor: null }
      const { n } = await calibrateSquares(env, 300)
      const engine = createEngine({ dataDir, cpuSlots: 1 })
      const times: number[] = []
      for (let i = 0; i < 2; i++) {
        const job = await engine.run({ kind: 'sum-squares', params: { n }, executor: 'thread' })
        times.push(job.endedAt! - job.startedAt!)
      }
      await engine.close()
      // Generous: a neighbour on this shared 2-core VM can slow either side; the point is hundreds of ms, not tens.
      const fastest = Math.min(...times)
      expect(fastest).toBeGreaterThan(300 * 0.4)
      expect(fastest).toBeLessThan(300 * 3)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
