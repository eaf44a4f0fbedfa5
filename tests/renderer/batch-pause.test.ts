// The batch line's Pause/Resume on the fake host: the button sends setBatchPaused for its own
// batch, the line shows the engine's answer at once (button, "paused" note), a batches event
// from the host sets it too, and a refusal is said in a toast naming what was tried.
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import BatchSummary from '../../src/renderer/src/components/BatchSummary.vue'
import { useNoticesStore } from '../../src/renderer/src/stores/notices.ts'
import type { BatchView } from '../../src/shared/job.ts'
import { emptyCounts } from '../../src/shared/job.ts'
import { createFakeApi, makeBatch, makeSnapshot } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

const running = (id: number, patch: Partial<BatchView> = {}) =>
  makeBatch(id, { name: `batch ${id}`, total: 10, counts: { ...emptyCounts(), queued: 8, running: 2 }, ...patch })

describe('batch pause and resume', () => {
  it('pauses and resumes its own batch, and the line says paused', async () => {
    const batches = [running(3), running(4)]
    const fake = createFakeApi(makeSnapshot({ batches }))
    fake.handle('setBatchPaused', ({ batchId, paused }) => ({ ...batches.find((b) => b.id === batchId)!, paused }))
    const { wrapper } = await mountConnected(BatchSummary, fake)
    const row = () => wrapper.get('[data-batch="4"]')
    expect(row().get('[data-testid="batch-pause"]').text()).toBe('Pause')
    expect(row().find('[data-testid="batch-paused"]').exists()).toBe(false)

    await row().get('[data-testid="batch-pause"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('setBatchPaused')).toEqual([{ batchId: 4, paused: true }])
    expect(row().get('[data-testid="batch-pause"]').text()).toBe('Resume')
    expect(row().get('[data-testid="batch-pause"]').attributes('aria-pressed')).toBe('true')
    expect(row().get('[data-testid="batch-paused"]').text()).toBe('paused')
    // The other batch is untouched.
    expect(wrapper.get('[data-batch="3"]').get('[data-testid="batch-pause"]').text()).toBe('Pause')

    await row().get('[data-testid="batch-pause"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('setBatchPaused')).toEqual([
      { batchId: 4, paused: true },
      { batchId: 4, paused: false },
    ])
    expect(row().get('[data-testid="batch-pause"]').text()).toBe('Pause')
    expect(row().find('[data-testid="batch-paused"]').exists()).toBe(false)
  })

  it("shows a batch paused from elsewhere (the host's batches event) as paused", async () => {
    const fake = createFakeApi(makeSnapshot({ batches: [running(5)] }))
    const { wrapper } = await mountConnected(BatchSummary, fake)
    fake.emit('batches', [running(5, { paused: true })])
    await flushPromises()
    expect(wrapper.get('[data-testid="batch-pause"]').text()).toBe('Resume')
    expect(wrapper.get('[data-testid="batch-paused"]').text()).toBe('paused')
  })

  it('offers no pause for a batch that has ended', async () => {
    const ended = makeBatch(6, { total: 2, counts: { ...emptyCounts(), succeeded: 2 }, endedAt: Date.now() })
    const { wrapper } = await mountConnected(BatchSummary, createFakeApi(makeSnapshot({ batches: [ended] })))
    expect(wrapper.find('[data-testid="batch-pause"]').exists()).toBe(false)
  })

  it('says so when the host refuses', async () => {
    const fake = createFakeApi(makeSnapshot({ batches: [running(7)] }))
    fake.handle('setBatchPaused', () => {
      throw {
        code: 'invalid-input',
        message: 'batchId: no batch with id 7',
        fields: [{ field: 'batchId', message: 'no batch with id 7' }],
      }
    })
    const { wrapper } = await mountConnected(BatchSummary, fake)
    await wrapper.get('[data-testid="batch-pause"]').trigger('click')
    await flushPromises()
    const notice = useNoticesStore().list.at(-1)!
    expect(notice.title).toBe('Could not pause batch 7')
    expect(notice.message).toContain('no batch with id 7')
    expect(wrapper.get('[data-testid="batch-pause"]').text()).toBe('Pause')
  })
})
