// Issue #13's defects in the window, each as the newcomer met it: a batch file dropped once is
// submitted once, Duration sorts by duration, the engine total is right after a big submit,
// Cancel/Retry act only on rows the filter shows, and oversubscribed CPU slots are explained.
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { useJobsStore } from '../../src/renderer/src/stores/jobs.ts'
import { createFakeApi, makeJob, makeSnapshot, makeStats } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

describe('defect 1: a batch file dropped on the drop zone', () => {
  it('is submitted once, not once by the zone and again by the window', async () => {
    const { wrapper, fake } = await mountConnected(App)
    const batch = { name: 'naps', template: { kind: 'sleep', params: { ms: 5 } }, count: 3 }
    const file = new File([JSON.stringify(batch)], 'naps.json', { type: 'application/json' })
    await wrapper.get('[data-testid="batch-drop"]').trigger('drop', { dataTransfer: { files: [file], types: ['Files'] } })
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(1)
  })
})

describe('defect 3: the Duration column', () => {
  it('sorts by how long each job ran, not by when it started', () => {
    setActivePinia(createPinia())
    const jobs = useJobsStore()
    jobs.apply({
      changed: [
        makeJob(1, { state: 'succeeded', startedAt: 1000, endedAt: 9000 }), // 8 s, started first
        makeJob(2, { state: 'succeeded', startedAt: 2000, endedAt: 3000 }), // 1 s
        makeJob(3, { state: 'succeeded', startedAt: 3000, endedAt: 7000 }), // 4 s
        makeJob(4, { state: 'queued' }), // not started: last
      ],
      removed: [],
    })
    jobs.setSort('duration')
    expect(jobs.visibleIds).toEqual([2, 3, 1, 4])
    jobs.setSort('duration')
    expect(jobs.visibleIds).toEqual([1, 3, 2, 4])
  })
})

describe('defect 6: the engine total after a large submit', () => {
  it('counts the jobs of a submit once when its rows arrive after its counts', () => {
    setActivePinia(createPinia())
    const jobs = useJobsStore()
    jobs.reset([], 0)
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => makeJob(from + i))
    // The engine's feed: the first slice of rows, then the counts of the whole submit, then the rest.
    jobs.apply({ changed: batch(1, 50), removed: [] })
    jobs.syncEngineTotal(200)
    jobs.apply({ changed: batch(51, 50), removed: [] })
    jobs.apply({ changed: batch(101, 100), removed: [] })
    expect(jobs.engineTotal).toBe(200)
    // Later jobs that no count has covered yet are still counted as they come.
    jobs.apply({ changed: batch(201, 5), removed: [] })
    expect(jobs.engineTotal).toBe(205)
  })
})

describe('defect 12: a selection the filter hides', () => {
  it('is left alone by Cancel and Delete, and the table says it is there', async () => {
    const jobs3 = [1, 2, 3].map((id) => makeJob(id, { state: 'queued', name: id === 2 ? 'other' : `sleep #${id}` }))
    const { wrapper, fake } = await mountConnected(App, createFakeApi(makeSnapshot({ jobs: jobs3 })))
    const jobs = useJobsStore()
    jobs.setSelection([1, 2, 3])
    await wrapper.get('[data-testid="job-filter"]').setValue('sleep #')
    await flushPromises()
    expect(wrapper.get('[data-testid="selection-count"]').text()).toBe('2 selected, 1 more hidden by the filter (left alone)')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Delete' }))
    await flushPromises()
    expect(fake.callsOf('cancel')).toEqual([{ ids: [1, 3] }])
  })
})

describe('defect 13: CPU slots above the core count', () => {
  it('are allowed, and the toolbar says what they mean', async () => {
    const stats = makeStats({ cores: 2, limits: { cpuSlots: 1024, ioConcurrency: 1000, pinning: false } })
    const { wrapper } = await mountConnected(App, createFakeApi(makeSnapshot({ stats })))
    const note = wrapper.get('[data-testid="oversubscribed"]')
    expect(note.text()).toContain('512× oversubscribed')
    expect(note.attributes('title')).toContain('1,024 slots on 2 cores')
  })

  it('say nothing at or below the core count', async () => {
    const stats = makeStats({ cores: 4, limits: { cpuSlots: 4, ioConcurrency: 1000, pinning: false } })
    const { wrapper } = await mountConnected(App, createFakeApi(makeSnapshot({ stats })))
    expect(wrapper.find('[data-testid="oversubscribed"]').exists()).toBe(false)
  })
})
