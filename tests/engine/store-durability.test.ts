// The store's account of durability: rows that could not even be sent to the store worker
// (a value structured clone refuses) are reported as not saved, and no later flush calls the
// store durable again; nothing is thrown into the engine's persist timer.
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, JobStore } from '../../src/main/engine/index.ts'
import { createApiHost } from '../../src/main/host/api-host.ts'
import type { JobRowTuple } from '../../src/main/engine/store/rows.ts'
import { tempDir } from './faults/helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

function row(id: number, note: unknown = null): JobRowTuple {
  return [
    id,
    1,
    null,
    'noop',
    '{}',
    'io',
    'thread',
    0,
    'succeeded',
    1,
    0,
    0,
    0,
    1,
    note as string | null,
    id,
    id,
    id,
    'null',
    null,
    null,
    0,
    id,
    null,
    null,
    null,
  ]
}

describe('store durability', () => {
  it('counts rows that could not be sent as lost: told at once, and flush never says durable again', async () => {
    const dataDir = await tempDir('corelane-durable-', cleanup)
    const store = await JobStore.open({ dataDir })
    cleanup.push(async () => void (await store.close()))
    const states: boolean[] = []
    store.onDurability((state) => states.push(state.durable))
    store.write([row(1)], [{ id: 1, name: 'b', createdAt: 1, source: null }])
    expect((await store.flush()).durable).toBe(true)
    expect(() => store.write([row(2, () => 'not cloneable')], [])).not.toThrow()
    expect(states).toEqual([false])
    store.write([row(3)], [])
    const after = await store.flush()
    expect(after).toMatchObject({
      durable: false,
      pendingJobs: 1,
      error: expect.stringMatching(/could not be sent to the store/),
    })
    // Waiting cannot bring them back, so it does not wait.
    expect((await store.whenDurable()).durable).toBe(false)
    expect((await store.history({})).jobs.map((j) => j.id)).toEqual([3, 1])
  })

  it('reaches the window: the API host sends a `storage` event when writes stop being durable', async () => {
    const dataDir = await tempDir('corelane-durable-api-', cleanup)
    const store = await JobStore.open({ dataDir })
    const engine = createEngine({ dataDir, store })
    const api = createApiHost(engine, null, { store })
    cleanup.push(async () => {
      api.close()
      await engine.close()
      await store.close()
    })
    const events: unknown[] = []
    api.subscribe((event, payload) => event === 'storage' && events.push(payload))
    store.write([row(7, () => 'not cloneable')], [])
    expect(events).toEqual([{ durable: false, pendingJobs: 1, error: expect.stringMatching(/could not be sent to the store/) }])
  })
})
