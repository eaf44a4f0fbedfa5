// Issue #13's missing pieces, on the fake host: a job details panel, batch actions, History by
// batch (with names), an ETA from in-job progress, the theme switch, a confirmation before
// Clear finished, and the Workers table sorted by CPU.
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { THEME_KEY } from '../../src/renderer/src/composables/use-color-scheme.ts'
import { useUiStore } from '../../src/renderer/src/stores/ui.ts'
import type { CommandInput } from '../../src/shared/contract.ts'
import { emptyCounts } from '../../src/shared/job.ts'
import type { JobView } from '../../src/shared/job.ts'
import { captureDownloads } from './downloads.ts'
import { createFakeApi, makeBatch, makeJob, makeSnapshot, makeWorker } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

/** The engine's listJobs over a fixed set of jobs: by state and batch, as the host filters. */
function listJobsOver(all: JobView[]) {
  return (input: CommandInput<'listJobs'>) => {
    const jobs = all.filter((j) => (!input.state || j.state === input.state) && (!input.batchId || j.batchId === input.batchId))
    return { total: jobs.length, jobs }
  }
}

const field = (wrapper: ReturnType<typeof document.querySelector> | null, name: string) =>
  wrapper?.querySelector(`[data-field="${name}"]`)?.textContent?.trim()

describe('job details', () => {
  it('shows what a job is, when it ran, where (worker, pid/tid, cores, CPU time) and its log', async () => {
    const started = Date.now() - 4000
    const job = makeJob(5, {
      batchId: 2,
      kind: 'sum-squares',
      lane: 'cpu',
      executor: 'process',
      state: 'running',
      attempts: 1,
      maxRetries: 2,
      workerId: 9,
      createdAt: started - 1500,
      startedAt: started,
    })
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [job],
        batches: [makeBatch(2, { name: 'squares', total: 1 })],
        workers: [
          makeWorker(9, { executor: 'process', pid: 4242, tid: 4242, state: 'busy', jobIds: [5], core: 1, cpuTimeMs: 100 }),
        ],
      }),
    )
    fake.handle('jobLog', () => ({ text: 'step 1\nstep 2\n', stderr: [], truncated: false, file: null }))
    fake.handle('jobParams', ({ id }) => ({ params: id === 5 ? { n: 1_000_000 } : {} }))
    const { wrapper } = await mountConnected(App, fake)
    // The worker moves to core 0 and burns 250 ms more CPU while on this job alone.
    fake.emit('workers', [
      makeWorker(9, { executor: 'process', pid: 4242, tid: 4242, state: 'busy', jobIds: [5], core: 0, cpuTimeMs: 350 }),
    ])
    useUiStore().openLog(5)
    await flushPromises()

    const panel = wrapper.get('[data-testid="job-details"]').element
    expect(JSON.parse(field(panel, 'params') ?? 'null')).toEqual({ n: 1_000_000 })
    expect(field(panel, 'kind')).toBe('sum-squares')
    expect(field(panel, 'lane')).toBe('cpu')
    expect(field(panel, 'executor')).toBe('process')
    expect(field(panel, 'batch')).toBe('squares (#2)')
    expect(field(panel, 'attempts')).toBe('1 of 3')
    expect(field(panel, 'started')).toContain('waited 1.50 s')
    expect(field(panel, 'worker')).toBe('#9')
    expect(field(panel, 'pid')).toBe('4242 / 4242')
    expect(field(panel, 'cores')).toBe('1, 0')
    expect(field(panel, 'cpu')).toContain('250 ms')
    expect(wrapper.get('[data-testid="log-text"]').text()).toBe('step 1\nstep 2')
    expect((wrapper.get('[data-testid="log-follow"]').element as HTMLInputElement).checked).toBe(true)

    const downloads = captureDownloads()
    await wrapper.get('[data-testid="log-download"]').trigger('click')
    expect(downloads.files.map((f) => f.fileName)).toEqual(['corelane-job-5.log'])
    await expect(downloads.files[0]!.text()).resolves.toBe('step 1\nstep 2\n')
  })

  it('does not pass off a shared worker’s CPU time as the job’s', async () => {
    const jobs = [1, 2].map((id) => makeJob(id, { state: 'running', workerId: 3, startedAt: Date.now() }))
    const fake = createFakeApi(
      makeSnapshot({ jobs, workers: [makeWorker(3, { lane: 'io', state: 'busy', jobIds: [1, 2], core: 1, cpuTimeMs: 10 })] }),
    )
    const { wrapper } = await mountConnected(App, fake)
    useUiStore().openLog(1)
    await flushPromises()
    const panel = wrapper.get('[data-testid="job-details"]').element
    expect(field(panel, 'cpu')).toContain('not known')
  })

  it('shows the clock of the cores a CPU job ran on, over its run, and asks for no other cores', async () => {
    const job = makeJob(5, { lane: 'cpu', kind: 'sum-squares', state: 'running', workerId: 9, startedAt: 4_000 })
    const busy = (core: number) => makeWorker(9, { state: 'busy', jobIds: [5], core })
    const fake = createFakeApi(makeSnapshot({ jobs: [job], workers: [busy(3)] }))
    fake.handle('coreFrequencies', ({ from, to, cores }) => ({
      from,
      to,
      samples: 2,
      note: null,
      cores: (cores ?? [0, 1, 2, 3]).map((core) => ({ core, meanMhz: 2000 + core, minMhz: 2000 + core, maxMhz: 2000 + core })),
    }))
    const { wrapper } = await mountConnected(App, fake)
    fake.emit('workers', [busy(1)])
    useUiStore().openLog(5)
    await flushPromises()
    // Seen on cores 3 then 1: those two, from its start; not the whole machine.
    expect(fake.callsOf('coreFrequencies')).toHaveLength(1)
    expect(fake.callsOf('coreFrequencies')[0]).toMatchObject({ from: 4_000, cores: [1, 3] })
    const rows = () => wrapper.findAll('[data-field="frequency"] [data-testid="job-core-frequency-row"]').map((r) => r.text())
    expect(rows()).toEqual(['CPU 1: 2.00 GHz', 'CPU 3: 2.00 GHz'])
    // Another workers event on the same cores asks nothing new; its end asks for its whole run.
    fake.emit('workers', [busy(3)])
    await flushPromises()
    expect(fake.callsOf('coreFrequencies')).toHaveLength(1)
    fake.emit('jobs', { changed: [{ ...job, state: 'succeeded', workerId: null, endedAt: 9_000 }], removed: [] })
    await flushPromises()
    expect(fake.callsOf('coreFrequencies').at(-1)).toEqual({ from: 4_000, to: 9_000, cores: [1, 3] })
  })

  it('asks no frequency for an I/O job or a job whose cores were not seen, and says why', async () => {
    const io = makeJob(1, { lane: 'io', state: 'running', workerId: 3, startedAt: 4_000 })
    const unseen = makeJob(2, { lane: 'cpu', state: 'succeeded', startedAt: 4_000, endedAt: 5_000 })
    const fake = createFakeApi(
      makeSnapshot({ jobs: [io, unseen], workers: [makeWorker(3, { lane: 'io', state: 'busy', jobIds: [1], core: 0 })] }),
    )
    const { wrapper } = await mountConnected(App, fake)
    useUiStore().openLog(1)
    await flushPromises()
    expect(field(wrapper.get('[data-testid="job-details"]').element, 'frequency')).toContain('waits on no core')
    useUiStore().openLog(2)
    await flushPromises()
    expect(field(wrapper.get('[data-testid="job-details"]').element, 'frequency')).toContain('not known')
    expect(fake.callsOf('coreFrequencies')).toEqual([])
  })

  it('says why params are missing on a host without a job database', async () => {
    const fake = createFakeApi(makeSnapshot({ jobs: [makeJob(1)] }))
    fake.handle('jobParams', () => {
      throw { code: 'not-found', message: 'this host keeps no job database, where params are kept' }
    })
    const { wrapper } = await mountConnected(App, fake)
    useUiStore().openLog(1)
    await flushPromises()
    const panel = wrapper.get('[data-testid="job-details"]').element
    expect(field(panel, 'params')).toBe('not available: this host keeps no job database, where params are kept')
  })
})

describe('batch actions', () => {
  it('cancel a batch with one cancelBatch command and retry its failed jobs through the per-job command', async () => {
    const jobs = [
      makeJob(1, { batchId: 4, state: 'queued' }),
      makeJob(2, { batchId: 4, state: 'running', workerId: 1, startedAt: Date.now() }),
      makeJob(3, { batchId: 4, state: 'failed' }),
      makeJob(4, { batchId: 4, state: 'timed-out' }),
      makeJob(5, { batchId: 6, state: 'queued' }),
    ]
    const counts = { ...emptyCounts(), queued: 1, running: 1, failed: 1, 'timed-out': 1 }
    const fake = createFakeApi(makeSnapshot({ jobs, batches: [makeBatch(4, { name: 'mixed', total: 4, counts })] }))
    fake.handle('listJobs', listJobsOver(jobs))
    fake.handle('cancelBatch', () => ({ cancelled: 2 }))
    const { wrapper } = await mountConnected(App, fake)

    await wrapper.get('[data-testid="batch-cancel"]').trigger('click')
    await flushPromises()
    // The whole batch by its id (it may hold jobs the window's list does not), not per-job ids.
    expect(fake.callsOf('cancelBatch')).toEqual([{ batchId: 4 }])
    expect(fake.callsOf('cancel')).toEqual([])
    expect(document.body.textContent).toContain('mixed: cancelled 2 jobs')

    await wrapper.get('[data-testid="batch-retry-failed"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('retry')).toEqual([{ ids: [3, 4] }])
    expect(fake.callsOf('listJobs').every((q) => q.batchId === 4)).toBe(true)
    expect(wrapper.get('[data-testid="batch-retry-failed"]').text()).toBe('Retry 2 failed')
  })
})

describe('History by batch', () => {
  it('filters by a batch chosen by name, and names each row’s batch', async () => {
    const past = [makeJob(1, { batchId: 1, state: 'succeeded' }), makeJob(2, { batchId: 2, state: 'succeeded' })]
    const batches = [makeBatch(1, { name: 'photos', total: 1 }), makeBatch(2, { name: 'reports', total: 1 })]
    const fake = createFakeApi(makeSnapshot({ batches }), past)
    const { wrapper } = await mountConnected(App, fake)
    await wrapper.get('[data-testid="history-tab"]').trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="history-batch"]').map((c) => c.text())).toEqual(['reports (#2)', 'photos (#1)'])
    const select = wrapper.get('[data-testid="history-filter-batch"]')
    expect(select.findAll('option').map((o) => o.text())).toEqual(['every batch', 'reports (#2)', 'photos (#1)'])
    await select.setValue('1')
    await flushPromises()
    expect(fake.callsOf('history').at(-1)).toMatchObject({ batchId: 1, offset: 0 })
    expect(wrapper.findAll('[data-testid="history-row"]').map((r) => r.attributes('data-id'))).toEqual(['1'])
  })
})

describe('History names cleared batches', () => {
  it('from the database, when the engine no longer holds them', async () => {
    const fake = createFakeApi(makeSnapshot(), [makeJob(1, { batchId: 7, state: 'succeeded' })])
    fake.handle('historyBatches', () => [{ id: 7, name: 'last week', createdAt: 1_000, jobs: 1 }])
    const { wrapper } = await mountConnected(App, fake)
    await wrapper.get('[data-testid="history-tab"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="history-batch"]').text()).toBe('last week (#7)')
    const options = wrapper.findAll('[data-testid="history-filter-batch"] option').map((o) => o.text())
    expect(options).toEqual(['every batch', 'last week (#7)'])
  })

  it('by number, when the host keeps no history of batches', async () => {
    const fake = createFakeApi(makeSnapshot(), [makeJob(1, { batchId: 7, state: 'succeeded' })])
    fake.handle('historyBatches', () => {
      throw { code: 'not-found', message: 'this host keeps no job history' }
    })
    const { wrapper } = await mountConnected(App, fake)
    await wrapper.get('[data-testid="history-tab"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="history-batch"]').text()).toBe('#7')
  })
})

describe('ETA from in-job progress', () => {
  it('gives a batch of 30 half-done jobs an ETA before any has finished', async () => {
    const started = Date.now() - 10_000
    const jobs = Array.from({ length: 30 }, (_, i) =>
      makeJob(i + 1, { batchId: 1, state: 'running', workerId: i + 1, startedAt: started, progress: 0.5 }),
    )
    const batch = makeBatch(1, { total: 30, counts: { ...emptyCounts(), running: 30 }, throughput: 0, etaMs: null })
    const { wrapper } = await mountConnected(App, createFakeApi(makeSnapshot({ jobs, batches: [batch] })))
    const eta = /ETA ~([\d.]+) s/.exec(wrapper.get('[data-testid="batch-eta"]').text())
    expect(eta, wrapper.get('[data-testid="batch-eta"]').text()).not.toBeNull()
    // Half done after 10 s: about 10 s to go (generous bounds: the clock moves during the test).
    expect(Number(eta![1])).toBeGreaterThan(8)
    expect(Number(eta![1])).toBeLessThan(12)
  })
})

describe('theme switch', () => {
  it('applies light or dark over the system setting, and remembers the choice', async () => {
    const { wrapper } = await mountConnected(App)
    const select = wrapper.get('[data-testid="theme-select"]')
    await select.setValue('dark')
    await flushPromises()
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(localStorage.getItem(THEME_KEY)).toBe('dark')
    expect(select.attributes('data-scheme')).toBe('dark')
    await select.setValue('light')
    await flushPromises()
    expect(document.documentElement.dataset.theme).toBe('light')
    expect(localStorage.getItem(THEME_KEY)).toBe('light')
    await select.setValue('system')
  })

  it('is the saved setting: the picker saves it, the Settings screen applies it, a reload takes it from the host', async () => {
    const fake = createFakeApi()
    const { wrapper } = await mountConnected(App, fake)
    const select = wrapper.get('[data-testid="theme-select"]')
    await select.setValue('dark')
    await flushPromises()
    expect(fake.callsOf('updateSettings')).toEqual([{ theme: 'dark' }])

    // The Settings screen shows the picker's choice, and saving another applies it to the window.
    await wrapper.get('header.toolbar [data-testid="settings-open"]').trigger('click')
    await flushPromises()
    const themeField = wrapper.get('[data-testid="settings-theme"]')
    expect((themeField.element as HTMLSelectElement).value).toBe('dark')
    await themeField.setValue('light')
    await wrapper.get('[data-testid="settings"]').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('updateSettings').at(-1)).toEqual({ theme: 'light' })
    expect(document.documentElement.dataset.theme).toBe('light')
    expect((select.element as HTMLSelectElement).value).toBe('light')

    // A reload in a browser whose cache says otherwise: the host's saved theme wins.
    localStorage.setItem(THEME_KEY, 'dark')
    const again = await mountConnected(App, fake)
    await flushPromises()
    expect(document.documentElement.dataset.theme).toBe('light')
    expect((again.wrapper.get('[data-testid="theme-select"]').element as HTMLSelectElement).value).toBe('light')
    await again.wrapper.get('[data-testid="theme-select"]').setValue('system')
    await flushPromises()
  })
})

describe('Clear finished', () => {
  it('asks first, and clears only on the answer', async () => {
    const fake = createFakeApi(makeSnapshot({ jobs: [makeJob(1, { state: 'succeeded' }), makeJob(2, { state: 'failed' })] }))
    const { wrapper } = await mountConnected(App, fake)
    await wrapper.get('[data-testid="clear-finished"]').trigger('click')
    expect(wrapper.text()).toContain('Remove 2 finished jobs from the engine?')
    await wrapper.get('[data-testid="clear-finished-keep"]').trigger('click')
    expect(fake.callsOf('clearFinished')).toHaveLength(0)
    await wrapper.get('[data-testid="clear-finished"]').trigger('click')
    await wrapper.get('[data-testid="clear-finished-confirm"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('clearFinished')).toHaveLength(1)
  })
})

describe('Workers sorted by CPU', () => {
  it('puts the busiest first, then last, then back to the id order', async () => {
    const workers = [makeWorker(1, { cpuPercent: 10 }), makeWorker(2, { cpuPercent: 80 }), makeWorker(3, { cpuPercent: 40 })]
    const { wrapper } = await mountConnected(App, createFakeApi(makeSnapshot({ workers })))
    await wrapper.get('[data-testid="tab-workers"]').trigger('click')
    const order = () => wrapper.findAll('[data-testid="worker-row"]').map((r) => r.attributes('data-worker'))
    expect(order()).toEqual(['1', '2', '3'])
    await wrapper.get('[data-testid="workers-sort-cpu"]').trigger('click')
    expect(order()).toEqual(['2', '3', '1'])
    await wrapper.get('[data-testid="workers-sort-cpu"]').trigger('click')
    expect(order()).toEqual(['1', '3', '2'])
    await wrapper.get('[data-testid="workers-sort-cpu"]').trigger('click')
    expect(order()).toEqual(['1', '2', '3'])
  })
})
