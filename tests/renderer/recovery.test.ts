// Nothing lost, seen from the window: jobs interrupted by a stop are announced and requeued
// in one click (also those the snapshot did not load), a worker is killed on request to show
// crash containment, and the job counts say when they cover only the latest jobs.
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { emptyCounts } from '../../src/shared/job.ts'
import { createFakeApi, jobsInState, makeJob, makeSnapshot, makeStats, makeWorker } from './fake-api.ts'
import type { FakeApi } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

function mountApp(fake: FakeApi) {
  return mountConnected(App, fake)
}

const interruptedError = { code: 'interrupted' as const, message: 'Corelane stopped while this job was running' }

describe('after a restart', () => {
  it('announces interrupted jobs and requeues them all', async () => {
    const jobs = [
      makeJob(1, { state: 'succeeded' }),
      makeJob(2, { state: 'interrupted', error: interruptedError }),
      makeJob(3, { state: 'interrupted', error: interruptedError }),
      makeJob(4, { state: 'interrupted', error: interruptedError }),
    ]
    const counts = { ...emptyCounts(), succeeded: 1, interrupted: 3 }
    const fake = createFakeApi(makeSnapshot({ jobs, stats: makeStats({ counts }) }))
    const { wrapper } = await mountApp(fake)
    const banner = wrapper.get('[data-testid="interrupted-banner"]')
    expect(banner.text()).toContain('3 jobs were interrupted when Corelane stopped')

    await banner.get('[data-testid="requeue-interrupted"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('retry')).toEqual([{ ids: [2, 3, 4] }])
    expect(fake.callsOf('listJobs')).toHaveLength(0)

    // The host then reports them queued: the banner goes.
    fake.emit('jobs', { changed: [2, 3, 4].map((id) => makeJob(id, { state: 'queued' })), removed: [] })
    fake.emit('stats', makeStats({ counts: { ...emptyCounts(), succeeded: 1, queued: 3 } }))
    await flushPromises()
    expect(wrapper.find('[data-testid="interrupted-banner"]').exists()).toBe(false)
  })

  it('asks the engine for the interrupted jobs the snapshot did not load', async () => {
    const counts = { ...emptyCounts(), succeeded: 1, interrupted: 3 }
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [makeJob(9, { state: 'interrupted', error: interruptedError }), makeJob(10, { state: 'succeeded' })],
        jobsTotal: 10,
        stats: makeStats({ counts }),
      }),
    )
    fake.handle('listJobs', () => ({
      total: 3,
      jobs: [1, 5, 9].map((id) => makeJob(id, { state: 'interrupted', error: interruptedError })),
    }))
    const { wrapper } = await mountApp(fake)
    expect(wrapper.get('[data-testid="interrupted-banner"]').text()).toContain('3 jobs were interrupted')
    await wrapper.get('[data-testid="requeue-interrupted"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('listJobs')).toEqual([{ state: 'interrupted', limit: 100_000 }])
    expect(fake.callsOf('retry')).toEqual([{ ids: [9, 1, 5] }])
  })

  it('says so when the engine cannot list the interrupted jobs, and requeues none', async () => {
    const counts = { ...emptyCounts(), interrupted: 3 }
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [makeJob(9, { state: 'interrupted', error: interruptedError })],
        jobsTotal: 3,
        stats: makeStats({ counts }),
      }),
    )
    fake.handle('listJobs', () => {
      throw { code: 'internal', message: 'the job database is closed' }
    })
    const { wrapper } = await mountApp(fake)
    await wrapper.get('[data-testid="requeue-interrupted"]').trigger('click')
    await flushPromises()
    const notice = wrapper.get('[data-testid="notice"][data-level="error"]').text()
    expect(notice).toContain('Could not list the interrupted jobs')
    expect(notice).toContain('the job database is closed')
    expect(fake.callsOf('retry')).toEqual([])
  })

  it('shows no banner when nothing was interrupted', async () => {
    const { wrapper } = await mountApp(createFakeApi(makeSnapshot({ jobs: jobsInState(3, 'succeeded') })))
    expect(wrapper.find('[data-testid="interrupted-banner"]').exists()).toBe(false)
  })
})

describe('workers panel', () => {
  it('kills a worker once the kill is confirmed, and says what that does', async () => {
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [makeJob(1, { state: 'running', workerId: 7, startedAt: Date.now() })],
        workers: [makeWorker(7, { state: 'busy', jobIds: [1] }), makeWorker(8)],
      }),
    )
    const { wrapper } = await mountApp(fake)
    await wrapper.get('[data-testid="tab-workers"]').trigger('click')
    const kills = wrapper.findAll('[data-testid="worker-kill"]')
    expect(kills).toHaveLength(2)
    await kills[0]!.trigger('click')
    // The first click only asks; nothing is killed until the answer.
    expect(fake.callsOf('killWorker')).toEqual([])
    await wrapper.get('[data-testid="worker-kill-confirm"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('killWorker')).toEqual([{ id: 7 }])
    expect(wrapper.get('[data-testid="notice"]').text()).toContain('Worker 7 killed: its job fails or retries, others unaffected')

    fake.handle('killWorker', () => ({ killed: false }))
    await wrapper.findAll('[data-testid="worker-kill"]')[1]!.trigger('click')
    await wrapper.get('[data-testid="worker-kill-confirm"]').trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="notice"]').at(-1)!.text()).toContain('Worker 8 was already gone')
  })

  it('shows the engine’s refusal when a kill fails', async () => {
    const fake = createFakeApi(makeSnapshot({ workers: [makeWorker(3)] }))
    fake.handle('killWorker', () => {
      throw { code: 'not-found', message: 'no worker with id 3' }
    })
    const { wrapper } = await mountApp(fake)
    await wrapper.get('[data-testid="tab-workers"]').trigger('click')
    await wrapper.get('[data-testid="worker-kill"]').trigger('click')
    await wrapper.get('[data-testid="worker-kill-confirm"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="notice"][data-level="error"]').text()).toContain('no worker with id 3')
  })
})

describe('job counts', () => {
  it('say when they cover only the latest jobs of the engine, and follow new and removed ones', async () => {
    const fake = createFakeApi(makeSnapshot({ jobs: jobsInState(3, 'succeeded', 48), jobsTotal: 50 }))
    const { wrapper } = await mountApp(fake)
    expect(wrapper.get('[data-testid="jobs-partial"]').text()).toBe('showing the latest 3 of 50')

    fake.emit('jobs', { changed: [makeJob(51, { state: 'queued' })], removed: [] })
    await flushPromises()
    expect(wrapper.get('[data-testid="jobs-partial"]').text()).toBe('showing the latest 4 of 51')

    // An older job the snapshot left out changes (it is retried): not a new job.
    fake.emit('jobs', { changed: [makeJob(7, { state: 'queued' })], removed: [] })
    await flushPromises()
    expect(wrapper.get('[data-testid="jobs-partial"]').text()).toBe('showing the latest 5 of 51')

    // Clearing finished jobs removes loaded and unloaded ones alike.
    fake.emit('jobs', { changed: [], removed: [1, 2, 3, 48, 49, 50] })
    await flushPromises()
    expect(wrapper.get('[data-testid="jobs-partial"]').text()).toBe('showing the latest 2 of 45')
  })

  it('say nothing extra when every job is loaded', async () => {
    const { wrapper } = await mountApp(createFakeApi(makeSnapshot({ jobs: jobsInState(3, 'succeeded') })))
    expect(wrapper.find('[data-testid="jobs-partial"]').exists()).toBe(false)
  })
})
