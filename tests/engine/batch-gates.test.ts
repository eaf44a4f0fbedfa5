// Per-batch start gates in the real engine: --delay measured as a generous ratio, --max-load
// and --mem-free with the machine's readings replaced by a stand-in (the one external edge:
// the load and memory of the machine, which a test cannot set), the note that says why a job
// waits, and the youngest running job given back when memory falls below half.
import { describe, expect, it } from 'vitest'
import type { AdmissionSample, AdmissionSource } from '../../src/main/engine/admission.ts'
import { makeEngine, until } from './fixture.ts'

/** STAND-IN for the machine's load and free memory (admission-source.ts reads the real ones). */
function standInMachine(initial: AdmissionSample) {
  let current = initial
  const listeners = new Set<() => void>()
  const source: AdmissionSource = {
    sample: () => current,
    onSample(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    stop: () => listeners.clear(),
  }
  return {
    factory: () => source,
    set(sample: Partial<AdmissionSample>) {
      current = { ...current, ...sample }
      for (const listener of listeners) listener()
    },
  }
}

const GiB = 2 ** 30

describe('batch gates', () => {
  it('--delay spaces the batch’s starts, and does not hold up another batch', async () => {
    const { engine } = await makeEngine({ cpuSlots: 2 })
    const delayed = await engine.submit({ delay: 150, template: { kind: 'noop', params: {} }, count: 5 })
    const free = await engine.submit({ template: { kind: 'noop', params: {} }, count: 20 })
    await engine.whenSettled(free.jobIds)
    // The other batch finished while the delayed one was still going.
    expect(delayed.jobIds.some((id) => engine.getJob(id)!.state === 'queued')).toBe(true)
    await engine.whenSettled(delayed.jobIds)
    const starts = delayed.jobIds.map((id) => engine.getJob(id)!.startedAt!).sort((a, b) => a - b)
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!)
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(150 * 0.9)
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(4 * 150 * 0.9)
  })

  it('--delay takes GNU parallel’s units', async () => {
    const { engine } = await makeEngine()
    const { jobIds } = await engine.submit({ delay: '0.2s', template: { kind: 'noop', params: {} }, count: 2 })
    await engine.whenSettled(jobIds)
    const [a, b] = jobIds.map((id) => engine.getJob(id)!.startedAt!)
    expect(Math.abs(b! - a!)).toBeGreaterThanOrEqual(200 * 0.9)
    await expect(engine.submit({ delay: 'soon', jobs: [{ kind: 'noop', params: {} }] })).rejects.toThrow(
      'delay: must be milliseconds',
    )
  })

  it('--max-load holds CPU jobs (saying why) while the load is high, not I/O jobs', async () => {
    const machine = standInMachine({ load: 5, freeBytes: null })
    const { engine } = await makeEngine({ admissionSource: machine.factory })
    const cpu = await engine.submit({ maxLoad: 2, template: { kind: 'sum-squares', params: { n: 10 } }, count: 3 })
    const io = await engine.submit({ maxLoad: 2, template: { kind: 'sleep', params: { ms: 1 } }, count: 3 })
    await engine.whenSettled(io.jobIds)
    await until(() => engine.getJob(cpu.jobIds[0]!)!.note !== null, 5000, 'the waiting note')
    expect(engine.getJob(cpu.jobIds[0]!)).toMatchObject({ state: 'queued', note: 'waiting for the load to drop: 5 ≥ max-load 2' })
    machine.set({ load: 1 })
    await engine.whenSettled(cpu.jobIds)
    expect(cpu.jobIds.map((id) => [engine.getJob(id)!.state, engine.getJob(id)!.note])).toEqual(
      cpu.jobIds.map(() => ['succeeded', null]),
    )
  })

  it('holds a batch’s first jobs until the machine’s first reading has come in, then applies it', async () => {
    // The real source reads the machine asynchronously: before its first reading it knows nothing.
    const machine = standInMachine({ load: null, freeBytes: null })
    let ready = false
    const source = { ...machine.factory(), ready: () => ready }
    const { engine } = await makeEngine({ admissionSource: () => source })
    const cpu = await engine.submit({ maxLoad: 2, template: { kind: 'sum-squares', params: { n: 10 } }, count: 2 })
    await until(() => engine.getJob(cpu.jobIds[0]!)!.note !== null, 5000, 'the waiting note')
    expect(engine.getJob(cpu.jobIds[0]!)).toMatchObject({
      state: 'queued',
      note: 'waiting for the first reading of load and free memory',
    })
    // The first reading says the load is high: the jobs go on waiting, now saying why.
    ready = true
    machine.set({ load: 5, freeBytes: 8 * GiB })
    await until(() => engine.getJob(cpu.jobIds[1]!)!.note!.startsWith('waiting for the load'), 5000, 'the load note')
    expect(cpu.jobIds.map((id) => engine.getJob(id)!.state)).toEqual(['queued', 'queued'])
    machine.set({ load: 1 })
    await engine.whenSettled(cpu.jobIds)
    expect(cpu.jobIds.map((id) => engine.getJob(id)!.state)).toEqual(['succeeded', 'succeeded'])
  })

  it('--mem-free holds jobs while memory is low, and gives back the youngest running job below half', async () => {
    const machine = standInMachine({ load: 0, freeBytes: 8 * GiB })
    const { engine } = await makeEngine({ cpuSlots: 2, admissionSource: machine.factory })
    const sleepJob = (name: string, s: number) => ({ name, kind: 'shell', params: { argv: [`sleep ${s}`], shell: true } })
    const { jobIds } = await engine.submit({
      memFree: '4G',
      jobs: [sleepJob('older', 3), sleepJob('younger', 3), sleepJob('later', 0.1)],
    })
    await until(() => jobIds.slice(0, 2).every((id) => engine.getJob(id)!.state === 'running'), 10_000, 'two running')
    const [first, second] = jobIds.slice(0, 2).map((id) => engine.getJob(id)!)
    const [oldest, youngest] = first!.startedAt! > second!.startedAt! ? [second!, first!] : [first!, second!]
    machine.set({ freeBytes: 1.5 * GiB })
    // The one that started last goes back to the queue; the third job waits for memory.
    await until(() => engine.getJob(youngest.id)!.state === 'queued', 10_000, 'the youngest requeued')
    expect(engine.getJob(youngest.id)!.note).toMatch(/^(requeued: free memory fell below half of mem-free|waiting for memory)/)
    expect(engine.getJob(oldest.id)!.state).toBe('running')
    expect(engine.getJob(jobIds[2]!)).toMatchObject({
      state: 'queued',
      note: 'waiting for memory: 1.5 GiB free < mem-free 4.0 GiB',
    })
    machine.set({ freeBytes: 8 * GiB })
    await engine.whenSettled(jobIds)
    expect(jobIds.map((id) => engine.getJob(id)!.state)).toEqual(['succeeded', 'succeeded', 'succeeded'])
  })
})
