// The whole window on the fake host: loading and error states, keyboard shortcuts (and not
// hijacking keys while typing), the virtualized job table with 10,000 jobs, workers and cores.
import { flushPromises, mount } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { startSession } from '../../src/renderer/src/startup/start-session.ts'
import { createFakeApi, fakeLink, jobsInState, makeJob, makeSnapshot, makeWorker } from './fake-api.ts'
import type { FakeApi } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

/** The one test that mounts the window by hand (to see it before it connects) unmounts it here. */
let current: VueWrapper | null = null
afterEach(() => {
  current?.unmount()
  current = null
})

// happy-dom does no layout: give the job table's scroller a viewport so the virtualizer renders rows.
beforeAll(() => {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight')
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      if (this.dataset.testid === 'job-scroller') return 600
      return original?.get?.call(this) ?? 0
    },
  })
})

function mountApp(fake: FakeApi = createFakeApi()) {
  return mountConnected(App, fake)
}

function press(key: string, target: EventTarget = document.body) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
}

describe('App', () => {
  it('says it is connecting, then shows the window', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const fake = createFakeApi()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    fake.handle('snapshot', async () => {
      await gate
      return makeSnapshot()
    })
    const starting = startSession(fakeLink(fake))
    current = mount(App, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(current.find('[data-testid="loading"]').text()).toContain('Connecting to the engine')
    release()
    await starting
    await flushPromises()
    expect(current.find('[data-testid="loading"]').exists()).toBe(false)
    expect(current.findAll('[data-testid="core-meter"]')).toHaveLength(4)
  })

  it('says what went wrong when the snapshot fails, and retries', async () => {
    const fake = createFakeApi()
    fake.handle('snapshot', () => {
      throw { code: 'internal', message: 'engine is starting' }
    })
    const { wrapper } = await mountApp(fake)
    expect(wrapper.get('[data-testid="load-error"]').text()).toContain('engine is starting')
    fake.handle('snapshot', () => makeSnapshot())
    await wrapper.get('[data-testid="load-error"] button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="load-error"]').exists()).toBe(false)
  })

  it('tells a new user what to do when there are no jobs', async () => {
    const { wrapper } = await mountApp()
    expect(wrapper.get('[data-testid="job-table"] [data-testid="empty-state"]').text()).toContain(
      'Pick a preset or drop a batch file',
    )
  })

  it('pauses and resumes with space, but not while typing', async () => {
    const { wrapper, fake } = await mountApp()
    press(' ')
    await flushPromises()
    expect(fake.callsOf('pause')).toHaveLength(1)
    expect(wrapper.get('[data-testid="pause-button"]').attributes('aria-pressed')).toBe('true')
    expect(wrapper.get('[data-testid="pause-button"]').text()).toContain('Resume')

    const filter = wrapper.get('[data-testid="job-filter"]').element as HTMLInputElement
    press(' ', filter)
    await flushPromises()
    expect(fake.callsOf('resume')).toHaveLength(0)

    press(' ')
    await flushPromises()
    expect(fake.callsOf('resume')).toHaveLength(1)
    expect(wrapper.get('[data-testid="pause-button"]').attributes('aria-pressed')).toBe('false')
  })

  it('focuses the form with n and the filter with /, and shows help with ?', async () => {
    const { wrapper } = await mountApp()
    press('n')
    await flushPromises()
    expect(document.activeElement).toBe(wrapper.get('[data-testid="kind-select"]').element)
    press('/')
    await flushPromises()
    expect(document.activeElement).toBe(wrapper.get('[data-testid="job-filter"]').element)
    press('?', document.body)
    await flushPromises()
    expect(wrapper.find('[data-testid="shortcut-help"]').exists()).toBe(true)
    press('Escape')
    await flushPromises()
    expect(wrapper.find('[data-testid="shortcut-help"]').exists()).toBe(false)
    // Typing "n" in a field types an n.
    const filter = wrapper.get('[data-testid="job-filter"]').element as HTMLInputElement
    press('?', filter)
    await flushPromises()
    expect(wrapper.find('[data-testid="shortcut-help"]').exists()).toBe(false)
  })

  it('virtualizes 10,000 jobs and cancels or retries the selection from the keyboard', async () => {
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [
          ...jobsInState(9998, 'queued', 1),
          makeJob(9999, { state: 'failed', error: { code: 'job-error', message: 'boom' } }),
          makeJob(10_000, { state: 'running', workerId: 1, startedAt: Date.now() - 1500, progress: 0.3 }),
        ],
        workers: [makeWorker(1, { state: 'busy', jobIds: [1], core: 2 })],
      }),
    )
    const { wrapper } = await mountApp(fake)
    const rows = wrapper.findAll('[data-testid="job-row"]')
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.length).toBeLessThan(100)
    expect(rows[0]?.attributes('data-state')).toBe('running')
    expect(rows[0]?.get('[data-testid="job-core"]').text()).toBe('2')
    expect(rows[1]?.text()).toContain('boom')
    expect(wrapper.get('[data-testid="chip-queued"]').text()).toContain('9,998')

    await rows[0]?.trigger('click')
    press('Delete')
    await flushPromises()
    expect(fake.callsOf('cancel')).toEqual([{ ids: [10_000] }])

    await rows[1]?.trigger('click')
    press('r')
    await flushPromises()
    expect(fake.callsOf('retry')).toEqual([{ ids: [9999] }])

    await wrapper.get('[data-testid="chip-failed"]').trigger('click')
    expect(wrapper.findAll('[data-testid="job-row"]').map((r) => r.attributes('data-state'))).toEqual(['failed'])
  })

  it('opens a job log', async () => {
    const fake = createFakeApi(makeSnapshot({ jobs: [makeJob(1, { state: 'succeeded', result: { sum: 42 } })] }))
    const { wrapper } = await mountApp(fake)
    await wrapper.get('[data-testid="job-row"]').trigger('dblclick')
    await flushPromises()
    expect(fake.callsOf('jobLog')).toEqual([{ id: 1, maxBytes: 262144 }])
    expect(wrapper.get('[data-testid="log-text"]').text()).toBe('hello from the job')
  })

  it('shows workers with their core, and cores with their load level', async () => {
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [makeJob(1, { state: 'running', workerId: 7, startedAt: Date.now() })],
        workers: [makeWorker(7, { state: 'busy', jobIds: [1], core: 3, cpuPercent: 98, executor: 'process', pid: 4242 })],
      }),
    )
    const { wrapper } = await mountApp(fake)
    await wrapper.get('[data-testid="tab-workers"]').trigger('click')
    const row = wrapper.get('[data-testid="worker-row"]')
    expect(row.attributes('data-core')).toBe('3')
    expect(row.text()).toContain('process')
    expect(row.text()).toContain('4242')
    expect(row.text()).toContain('98%')
    const meters = wrapper.findAll('[data-testid="core-meter"]')
    expect(meters.map((m) => m.attributes('data-level'))).toEqual(['low', 'mid', 'high', 'max'])
    expect(meters[3]?.attributes('title')).toContain('#1 sleep #1')
  })

  it('shows a command error to the user', async () => {
    const fake = createFakeApi()
    fake.handle('setLimits', () => {
      throw {
        code: 'invalid-input',
        message: 'limits rejected',
        fields: [{ field: 'cpuSlots', message: 'must be at most 1024' }],
      }
    })
    const { wrapper } = await mountApp(fake)
    await wrapper.get('[data-testid="cpu-slots"]').setValue('5000')
    await wrapper.get('[data-testid="cpu-slots"]').trigger('change')
    await flushPromises()
    const notice = wrapper.get('[data-testid="notice"][data-level="error"]')
    expect(notice.text()).toContain('limits rejected')
    expect(notice.text()).toContain('cpuSlots')
    expect((wrapper.get('[data-testid="cpu-slots"]').element as HTMLInputElement).value).toBe('4')
  })
})
