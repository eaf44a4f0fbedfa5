// The engine's limits and pause (limits-control.ts): defaults, patches that change only what
// they name, a fresh limits object per change (a dispatch may hold the one it read), stats that
// are copies, and the host told of each change in order: the pool applies first, then the
// dispatch and the stats follow. The host in the first part records its calls; the second
// part is the engine's own pause and limits, on a real engine with real workers.
import { describe, expect, it } from 'vitest'
import { emptyCounts, type EngineStats } from '../../src/shared/job.ts'
import { LimitsControl } from '../../src/main/engine/limits-control.ts'
import { placementNote, placementSupported } from '../../src/main/engine/placement.ts'
import { makeEngine, sleep, until } from './fixture.ts'

function setUp(options: ConstructorParameters<typeof LimitsControl>[0] = {}) {
  const counts = emptyCounts()
  const calls: string[] = []
  const limits = new LimitsControl(options, 6, {
    counts: () => counts,
    apply: (wasPinning) => calls.push(`apply(wasPinning=${wasPinning})`),
    changed: () => calls.push('changed'),
  })
  return { limits, counts, calls }
}

describe('limits control', () => {
  it('defaults to one CPU slot per core, 1000 I/O jobs, no pinning, not paused', () => {
    const { limits, calls } = setUp()
    expect(limits.current).toEqual({ cpuSlots: 6, ioConcurrency: 1000, pinning: false })
    expect(limits.paused).toBe(false)
    expect(calls).toEqual([]) // nothing to apply at start
  })

  it('takes the options it is given; pinning only where placement works', () => {
    const { limits } = setUp({ cpuSlots: 2, ioConcurrency: 5, pinning: true, paused: true })
    expect(limits.current).toEqual({ cpuSlots: 2, ioConcurrency: 5, pinning: placementSupported })
    expect(limits.paused).toBe(true)
  })

  it('pauses and resumes, telling the host each time and answering the new stats', () => {
    const { limits, calls } = setUp()
    expect(limits.pause().paused).toBe(true)
    expect(limits.paused).toBe(true)
    expect(limits.resume().paused).toBe(false)
    expect(limits.paused).toBe(false)
    expect(calls).toEqual(['changed', 'changed'])
  })

  it('changes only the limits a patch names, in a new object, the pool applying them before the dispatch', () => {
    const { limits, calls } = setUp({ cpuSlots: 4, ioConcurrency: 50 })
    const before = limits.current
    const stats = limits.set({ cpuSlots: 1 })
    expect(limits.current).toEqual({ cpuSlots: 1, ioConcurrency: 50, pinning: false })
    expect(before).toEqual({ cpuSlots: 4, ioConcurrency: 50, pinning: false }) // a held one is unchanged
    expect(stats.limits).toEqual(limits.current)
    expect(calls).toEqual(['apply(wasPinning=false)', 'changed'])
  })

  it('tells the pool whether pinning was on before the change', () => {
    const { limits, calls } = setUp()
    limits.set({ pinning: true })
    expect(limits.current.pinning).toBe(placementSupported)
    limits.set({ pinning: false })
    expect(limits.current.pinning).toBe(false)
    expect(calls).toEqual(['apply(wasPinning=false)', 'changed', `apply(wasPinning=${placementSupported})`, 'changed'])
  })

  it('answers stats as copies, with the counts as they are when asked', () => {
    const { limits, counts } = setUp()
    counts.queued = 3
    const stats = limits.stats()
    expect(stats).toEqual({
      limits: { cpuSlots: 6, ioConcurrency: 1000, pinning: false },
      paused: false,
      cores: 6,
      counts: { ...emptyCounts(), queued: 3 },
      placementSupported,
      placementNote,
    })
    stats.limits.cpuSlots = 99
    stats.counts.queued = 99
    counts.running = 1
    expect(limits.current.cpuSlots).toBe(6)
    expect(limits.stats().counts).toEqual({ ...emptyCounts(), queued: 3, running: 1 })
  })
})

describe('the engine paused and limited', () => {
  it('holds what is queued from a pause() until resume(), and subscribers see each change', async () => {
    const { engine } = await makeEngine()
    const seen: EngineStats[] = []
    engine.subscribe((changes) => changes.stats && seen.push(changes.stats))
    expect(engine.pause().paused).toBe(true)
    const { jobIds } = await engine.submit({ template: { kind: 'noop', params: {} }, count: 5 })
    await sleep(150) // a few dispatch chances: none may start one
    expect(engine.stats().counts).toMatchObject({ queued: 5, running: 0, succeeded: 0 })
    await until(() => seen.some((stats) => stats.paused), 5000, 'the paused stats')
    expect(engine.resume().paused).toBe(false)
    await engine.whenSettled(jobIds)
    expect(engine.stats()).toMatchObject({ paused: false, counts: { succeeded: 5 } })
    await until(() => seen.at(-1)?.paused === false, 5000, 'the resumed stats')
  })

  it('answers and reports new limits, keeping those the patch does not name', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2, ioConcurrency: 7 })
    const seen: EngineStats[] = []
    engine.subscribe((changes) => changes.stats && seen.push(changes.stats))
    expect(engine.setLimits({ cpuSlots: 1 }).limits).toEqual({ cpuSlots: 1, ioConcurrency: 7, pinning: false })
    expect(engine.stats().limits.cpuSlots).toBe(1)
    await until(() => seen.at(-1)?.limits.cpuSlots === 1, 5000, 'the new limits in the feed')
    // One slot: two CPU jobs (long enough for a second worker to start) run one after the other.
    const { jobIds } = await engine.submit({ template: { kind: 'sum-squares', params: { n: 2e7 } }, count: 2 })
    await engine.whenSettled(jobIds)
    const [first, second] = jobIds.map((id) => engine.getJob(id)!)
    expect([first!.state, second!.state]).toEqual(['succeeded', 'succeeded'])
    expect(second!.startedAt!).toBeGreaterThanOrEqual(first!.endedAt!)
  })
})
