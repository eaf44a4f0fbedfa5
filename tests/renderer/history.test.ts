// The History view on the fake host: pages of 100 with the right offsets, filters (state at
// once, name after typing pauses), export as a file named by the host, and a host without a
// job database.
import { flushPromises } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { jobsToCsv } from '../../src/shared/export.ts'
import type { JobView } from '../../src/shared/job.ts'
import { captureDownloads } from './downloads.ts'
import { createFakeApi, makeJob, makeSnapshot } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

afterEach(() => {
  vi.useRealTimers()
})

/** 250 finished jobs, every fifth failed, ids 1..250. */
function pastJobs(): JobView[] {
  return Array.from({ length: 250 }, (_, i) =>
    makeJob(i + 1, {
      name: i % 2 ? `resize photo ${i + 1}` : `hash file ${i + 1}`,
      state: i % 5 === 4 ? 'failed' : 'succeeded',
      startedAt: 2000 + i,
      endedAt: 2500 + i,
      ...(i % 5 === 4 ? { error: { code: 'job-error' as const, message: 'disk full' } } : {}),
    }),
  )
}

async function openHistory(jobs: JobView[] = pastJobs()) {
  const fake = createFakeApi(makeSnapshot(), jobs)
  const mounted = await mountConnected(App, fake)
  await mounted.wrapper.get('[data-testid="history-tab"]').trigger('click')
  await flushPromises()
  return mounted
}

const rowIds = (wrapper: VueWrapper) => wrapper.findAll('[data-testid="history-row"]').map((r) => Number(r.attributes('data-id')))

describe('History view', () => {
  it('gives a job still running no duration yet, not 0 ms', async () => {
    const { wrapper } = await openHistory([
      makeJob(1, { state: 'succeeded', startedAt: 2000, endedAt: 2500 }),
      makeJob(2, { state: 'running', startedAt: 3000 }),
    ])
    const durations = wrapper.findAll('[data-testid="history-row"]').map((r) => r.findAll('td').at(-2)!.text())
    expect(durations).toEqual(['—', '500 ms'])
  })

  it('pages through the history 100 at a time, newest first, with the right offsets', async () => {
    const { wrapper, fake } = await openHistory()
    expect(fake.callsOf('history')).toEqual([{ offset: 0, limit: 100 }])
    expect(rowIds(wrapper)).toHaveLength(100)
    expect(rowIds(wrapper)[0]).toBe(250)
    expect(wrapper.get('[data-testid="history-range"]').text()).toContain('1–100 of 250')
    expect(wrapper.get('[data-testid="history-prev"]').attributes('disabled')).toBeDefined()

    await wrapper.get('[data-testid="history-next"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="history-next"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('history').map((c) => c.offset)).toEqual([0, 100, 200])
    expect(rowIds(wrapper)).toHaveLength(50)
    expect(rowIds(wrapper).at(-1)).toBe(1)
    expect(wrapper.get('[data-testid="history-range"]').text()).toContain('201–250 of 250')
    expect(wrapper.get('[data-testid="history-next"]').attributes('disabled')).toBeDefined()

    await wrapper.get('[data-testid="history-prev"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('history').at(-1)).toEqual({ offset: 100, limit: 100 })
    expect(rowIds(wrapper)[0]).toBe(150)
  })

  it('filters by state from the first page, and by name once typing pauses', async () => {
    const { wrapper, fake } = await openHistory()
    await wrapper.get('[data-testid="history-next"]').trigger('click')
    await flushPromises()

    await wrapper.get('[data-testid="history-filter-state"]').setValue('failed')
    await flushPromises()
    expect(fake.callsOf('history').at(-1)).toEqual({ state: 'failed', offset: 0, limit: 100 })
    expect(wrapper.findAll('[data-testid="history-row"]').every((r) => r.attributes('data-state') === 'failed')).toBe(true)
    expect(wrapper.get('[data-testid="history-row"]').text()).toContain('disk full')
    expect(wrapper.get('[data-testid="history-range"]').text()).toContain('1–50 of 50')

    vi.useFakeTimers()
    const calls = fake.callsOf('history').length
    await wrapper.get('[data-testid="history-filter-text"]').setValue('res')
    await wrapper.get('[data-testid="history-filter-text"]').setValue('resize')
    expect(fake.callsOf('history')).toHaveLength(calls)
    await vi.advanceTimersByTimeAsync(400)
    vi.useRealTimers()
    await flushPromises()
    expect(fake.callsOf('history').slice(calls)).toEqual([{ state: 'failed', text: 'resize', offset: 0, limit: 100 }])
    expect(rowIds(wrapper)).toHaveLength(25)
  })

  it('exports the filtered history and downloads the file under the name the host gave', async () => {
    const jobs = pastJobs()
    const { wrapper, fake } = await openHistory(jobs)
    await wrapper.get('[data-testid="history-filter-state"]').setValue('failed')
    await flushPromises()
    const downloads = captureDownloads()

    await wrapper.get('[data-testid="history-export-csv"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('exportHistory')).toEqual([{ state: 'failed', format: 'csv', offset: 0, limit: 100_000 }])
    const [csv] = downloads.files
    expect(csv!.fileName).toBe('corelane-history-test.csv')
    expect(csv!.type).toBe('text/csv')
    const failed = jobs.filter((j) => j.state === 'failed').sort((a, b) => b.id - a.id)
    expect(await csv!.text()).toBe(jobsToCsv(failed))
    expect(wrapper.get('[data-testid="notice"][data-level="success"]').text()).toContain('Exported 50 jobs')

    await wrapper.get('[data-testid="history-export-json"]').trigger('click')
    await flushPromises()
    expect(downloads.files[1]!.fileName).toBe('corelane-history-test.json')
    expect(JSON.parse(await downloads.files[1]!.text())).toHaveLength(50)
  })

  it('says what the host answered when it keeps no history', async () => {
    const fake = createFakeApi()
    fake.handle('history', () => {
      throw { code: 'not-found', message: 'this host keeps no job history' }
    })
    const { wrapper } = await mountConnected(App, fake)
    await wrapper.get('[data-testid="history-tab"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="history-error"]').text()).toContain('this host keeps no job history')
    expect(wrapper.get('[data-testid="history-export-csv"]').attributes('disabled')).toBeDefined()
  })
})
