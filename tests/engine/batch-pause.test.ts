// Pausing one batch on a real engine with real workers: its queued jobs stay queued while
// another batch's run, jobs it already started finish, a held job can still be cancelled, and
// resuming starts the rest.
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/shared/validate.ts'
import { makeEngine, sleep, until } from './fixture.ts'

describe('pausing one batch', () => {
  it("holds a paused batch's queued jobs while another batch runs, and resume starts them", async () => {
    // Start globally paused so nothing is handed out before batch A is paused.
    const { engine } = await makeEngine({ paused: true })
    const a = await engine.submit({ name: 'A', template: { kind: 'sleep', params: { ms: 20 } }, count: 5 })
    const b = await engine.submit({ name: 'B', template: { kind: 'sleep', params: { ms: 20 } }, count: 5 })
    expect(engine.setBatchPaused(a.batchId, true).paused).toBe(true)
    engine.resume()

    await engine.whenSettled(b.jobIds)
    for (const id of b.jobIds) expect(engine.getJob(id)!.state).toBe('succeeded')
    // B ran through A's jobs, which were ahead of it in the queue; give the engine a moment more.
    await sleep(100)
    for (const id of a.jobIds) expect(engine.getJob(id)).toMatchObject({ state: 'queued', workerId: null })
    expect(engine.batches().find((batch) => batch.id === a.batchId)).toMatchObject({ paused: true, counts: { queued: 5 } })
    expect(engine.batches().find((batch) => batch.id === b.batchId)!.paused).toBe(false)

    // A held job can be cancelled; the others still run after resume.
    expect(engine.cancel([a.jobIds[0]!])).toBe(1)
    expect(engine.setBatchPaused(a.batchId, false).paused).toBe(false)
    await engine.whenSettled(a.jobIds)
    expect(engine.getJob(a.jobIds[0]!)!.state).toBe('cancelled')
    for (const id of a.jobIds.slice(1)) expect(engine.getJob(id)!.state).toBe('succeeded')
    expect(engine.stats().counts.queued).toBe(0)
  })

  it('lets the running job of a paused batch finish and starts no more of it', async () => {
    const { engine } = await makeEngine({ cpuSlots: 1 })
    // CPU lane, one slot: one job at a time.
    const { batchId, jobIds } = await engine.submit({ template: { kind: 'sleep', params: { ms: 300 }, lane: 'cpu' }, count: 3 })
    await until(() => engine.getJob(jobIds[0]!)!.state === 'running', 10_000, 'the first job to start')
    engine.setBatchPaused(batchId, true)
    await engine.whenSettled([jobIds[0]!])
    expect(engine.getJob(jobIds[0]!)!.state).toBe('succeeded')
    // Another batch still gets the slot.
    const other = await engine.submit({ template: { kind: 'sleep', params: { ms: 10 }, lane: 'cpu' }, count: 2 })
    await engine.whenSettled(other.jobIds)
    for (const id of jobIds.slice(1)) expect(engine.getJob(id)!.state).toBe('queued')
    engine.setBatchPaused(batchId, false)
    await engine.whenSettled(jobIds)
    for (const id of jobIds) expect(engine.getJob(id)!.state).toBe('succeeded')
  })

  it('names batchId for an unknown batch', async () => {
    const { engine } = await makeEngine()
    let thrown: unknown
    try {
      engine.setBatchPaused(42, true)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ValidationError)
    expect((thrown as ValidationError).problems).toEqual([{ field: 'batchId', message: 'no batch with id 42' }])
  })
})
