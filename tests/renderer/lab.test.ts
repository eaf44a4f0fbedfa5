// The Lab view on the fake host, with lab results captured from real `corelane lab --json`
// runs: choosing and running an experiment (and what is sent), live progress, results side
// by side with their checks and explanation, exports, and this session's runs.
import { flushPromises } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { defaultPoolFor } from '../../src/renderer/src/stores/lab.ts'
import { EXPERIMENT_IDS, defaultPool, type LabResult } from '../../src/shared/lab.ts'
import { labToCsv } from '../../src/shared/lab-export.ts'
import { captureDownloads } from './downloads.ts'
import { createFakeApi, makeSnapshot, makeStats } from './fake-api.ts'
import type { FakeApi } from './fake-api.ts'
import { gatherFetchResult, sleepPoolResult, startupCostResult } from './lab-fixtures.ts'
import { mountConnected } from './mount-app.ts'

async function openLab(fake: FakeApi = createFakeApi()) {
  const mounted = await mountConnected(App, fake)
  await mounted.wrapper.get('[data-testid="lab-tab"]').trigger('click')
  await flushPromises()
  return mounted
}

async function runWith(wrapper: VueWrapper, fake: FakeApi, result: LabResult) {
  fake.handle('labRun', () => result)
  await wrapper.get('[data-testid="lab-experiment"]').setValue(result.experiment)
  await wrapper.get('[data-testid="lab-run"]').trigger('click')
  await flushPromises()
}

function press(key: string) {
  document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
}

describe('the default pool', () => {
  it('is the host’s (the shared defaultPool), for every experiment and core count, and unknown without cores', () => {
    for (const experiment of EXPERIMENT_IDS) {
      for (const cores of [1, 2, 3, 4, 16, 64, 65, 256])
        expect(defaultPoolFor(experiment, cores)).toBe(defaultPool(experiment, cores))
      expect(defaultPoolFor(experiment, 0)).toBe(experiment === 'sleep-pool' ? defaultPool(experiment, 1) : null)
    }
  })
})

describe('Lab view', () => {
  it('offers the host’s experiments with their question and expectation, and a default pool', async () => {
    const fake = createFakeApi()
    const { wrapper } = await openLab(fake)
    expect(fake.callsOf('labExperiments')).toHaveLength(1)
    const options = wrapper.findAll('[data-testid="lab-experiment"] option').map((o) => o.attributes('value'))
    expect(options).toEqual(['sleep-pool', 'gather-fetch', 'cpu-parallel', 'cpu-sequential', 'timers-10k', 'startup-cost'])
    expect(wrapper.get('[data-testid="lab-question"]').text()).toContain('Eight tasks each wait one second')
    expect(wrapper.get('[data-testid="lab-question"]').text()).toContain('about 2 s, not 8')
    // sleep-pool: the classic pool of 4; the others one per core (4 in this snapshot).
    expect((wrapper.get('[data-testid="lab-pool"]').element as HTMLInputElement).value).toBe('4')
    await wrapper.get('[data-testid="lab-experiment"]').setValue('cpu-parallel')
    expect((wrapper.get('[data-testid="lab-pool"]').element as HTMLInputElement).value).toBe('4')
    expect(wrapper.get('[data-testid="lab-question"]').text()).toContain('sum i*i')
    // startup-cost has no Python original.
    await wrapper.get('[data-testid="lab-experiment"]').setValue('startup-cost')
    expect((wrapper.get('[data-testid="lab-python"]').element as HTMLInputElement).disabled).toBe(true)
  })

  it('uses the core count from the engine’s stats as the default pool', async () => {
    const fake = createFakeApi(makeSnapshot({ stats: makeStats({ cores: 6 }) }))
    const { wrapper } = await openLab(fake)
    await wrapper.get('[data-testid="lab-experiment"]').setValue('cpu-parallel')
    expect((wrapper.get('[data-testid="lab-pool"]').element as HTMLInputElement).value).toBe('6')
    await wrapper.get('[data-testid="lab-run"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('labRun')).toEqual([{ experiment: 'cpu-parallel', pool: 6, scale: 'full', python: false }])
  })

  it('sends the chosen experiment, pool, scale and Python option', async () => {
    const fake = createFakeApi()
    const { wrapper } = await openLab(fake)
    await wrapper.get('[data-testid="lab-experiment"]').setValue('gather-fetch')
    await wrapper.get('[data-testid="lab-pool"]').setValue('3')
    await wrapper.get('[data-testid="lab-scale"]').setValue('quick')
    await wrapper.get('[data-testid="lab-python"]').setValue(true)
    fake.handle('labRun', () => gatherFetchResult())
    await wrapper.get('[data-testid="lab-run"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('labRun')).toEqual([{ experiment: 'gather-fetch', pool: 3, scale: 'quick', python: true }])
  })

  it('refuses a pool size out of range before sending, naming the field', async () => {
    const fake = createFakeApi()
    const { wrapper } = await openLab(fake)
    await wrapper.get('[data-testid="lab-pool"]').setValue('0')
    await wrapper.get('[data-testid="lab-run"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('labRun')).toHaveLength(0)
    expect(wrapper.get('[data-testid="form-error"]').attributes('data-field')).toBe('pool')
  })

  it('disables Run while the experiment runs, shows the host’s progress notes, and re-enables it after', async () => {
    const fake = createFakeApi()
    let finish!: (result: LabResult) => void
    fake.handle('labRun', () => new Promise<LabResult>((resolve) => (finish = resolve)))
    const { wrapper } = await openLab(fake)
    const run = wrapper.get('[data-testid="lab-run"]')
    expect(run.attributes('disabled')).toBeUndefined()
    expect(wrapper.find('[data-testid="lab-progress"]').exists()).toBe(false)

    await run.trigger('click')
    await flushPromises()
    expect(run.attributes('disabled')).toBeDefined()
    expect(wrapper.get('[data-testid="lab-experiment"]').attributes('disabled')).toBeDefined()
    expect(wrapper.get('[data-testid="lab-progress"]').text()).toContain('Starting')
    // A second click while running sends nothing.
    await run.trigger('click')
    expect(fake.callsOf('labRun')).toHaveLength(1)

    fake.emit('lab', { note: 'one worker, one job after another' })
    fake.emit('lab', { note: 'worker threads' })
    await flushPromises()
    const progress = wrapper.get('[data-testid="lab-progress"]').text()
    expect(progress).toContain('worker threads')
    expect(progress).toContain('✓ one worker, one job after another')
    // The core meters keep moving meanwhile.
    fake.emit('monitor', { at: Date.now() + 1000, cores: [99, 98, 97, 96], total: 97.5, memUsed: 1, memTotal: 2 })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="core-meter"]').map((m) => m.attributes('data-load'))).toEqual(['99', '98', '97', '96'])

    finish(sleepPoolResult())
    await flushPromises()
    expect(run.attributes('disabled')).toBeUndefined()
    expect(wrapper.find('[data-testid="lab-progress"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="lab-result"]').attributes('data-experiment')).toBe('sleep-pool')
  })

  it('shows a refused run’s reason and lets the user run again', async () => {
    const fake = createFakeApi()
    fake.handle('labRun', () => {
      throw {
        code: 'invalid-input',
        message: 'experiment: another experiment is running; wait for it to finish',
        fields: [{ field: 'experiment', message: 'another experiment is running; wait for it to finish' }],
      }
    })
    const { wrapper } = await openLab(fake)
    await wrapper.get('[data-testid="lab-run"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="notice"][data-level="error"]').text()).toContain('another experiment is running')
    // The field at fault is named beside the form as well.
    expect(wrapper.get('[data-testid="form-error"]').attributes('data-field')).toBe('experiment')
    expect(wrapper.get('[data-testid="lab-run"]').attributes('disabled')).toBeUndefined()
    expect(wrapper.find('[data-testid="lab-result"]').exists()).toBe(false)
  })

  it('renders a real result: every strategy side by side, the checks met and missed, the explanation', async () => {
    const fake = createFakeApi()
    const result = gatherFetchResult()
    const { wrapper } = await openLab(fake)
    await runWith(wrapper, fake, result)

    const view = wrapper.get('[data-testid="lab-result"]')
    expect(view.get('[data-testid="lab-explanation"]').text()).toBe(result.explanation)
    const cards = view.findAll('[data-testid="lab-strategy"]')
    expect(cards.map((c) => c.attributes('data-strategy'))).toEqual([
      'sequential',
      'async',
      'python-sequential',
      'python-asyncio',
    ])
    const sequential = cards[0]!
    expect(sequential.text()).toContain('one worker, one job after another')
    expect(sequential.get('[data-testid="lab-wall"]').text()).toBe('1.34 s')
    expect(sequential.text()).toContain('1.0×')
    expect(sequential.find('[data-testid="lab-core-chart"]').exists()).toBe(true)
    expect(sequential.find('[data-testid="lab-timeline"]').exists()).toBe(true)
    const gathered = cards[1]!
    expect(gathered.get('[data-testid="lab-wall"]').text()).toBe('374 ms')
    expect(gathered.text()).toContain('3.6×')
    expect(gathered.get('[data-testid="lab-timeline"] canvas').attributes('aria-label')).toContain('4 jobs on 4 rows')
    // No python3: the Python strategies say why, and the note is shown.
    expect(cards[2]!.get('[data-testid="lab-skipped"]').text()).toContain('python3 was not found')
    expect(cards[2]!.find('[data-testid="lab-core-chart"]').exists()).toBe(false)
    expect(view.get('[data-testid="lab-python-note"]').text()).toContain('python3 was not found on this machine')

    const checks = view.findAll('[data-testid="lab-check"]')
    expect(checks.map((c) => c.attributes('data-met'))).toEqual(['true', 'false'])
    expect(checks[0]!.text()).toMatch(/^met/)
    expect(checks[0]!.text()).toContain('4 fetches gathered: about one fetch, 250 ms')
    expect(checks[0]!.text()).toContain('expected 306 ms ±30%, measured 374 ms')
    expect(checks[1]!.text()).toMatch(/^MISSED/)
    expect(checks[1]!.text()).toContain('expected 1.00 s ±30%, measured 1.34 s')
    expect(view.text()).toContain('1 of 2 met')
  })

  it('shows extra figures, and no Python note when python3 was found', async () => {
    const fake = createFakeApi()
    const { wrapper } = await openLab(fake)
    await runWith(wrapper, fake, startupCostResult())
    const threads = wrapper.get('[data-testid="lab-strategy"][data-strategy="threads"]').text()
    expect(threads).toContain('First answer')
    expect(threads).toContain('320 ms')
    expect(threads).toContain('Round trip')
    expect(threads).toContain('254 µs')
    expect(wrapper.findAll('[data-testid="lab-check"]').map((c) => c.attributes('data-met'))).toEqual(['false', 'false'])
    // Tolerance 0: shown without a ± (as the CLI does).
    expect(wrapper.findAll('[data-testid="lab-check"]')[0]!.text()).toContain('expected 223 ms, measured 68 ms')

    await runWith(wrapper, fake, sleepPoolResult())
    expect(wrapper.find('[data-testid="lab-python-note"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid="lab-strategy"]')).toHaveLength(8)
    expect(wrapper.get('[data-testid="lab-result"]').text()).toContain('Python 3.11.7')
  })

  it('exports the CSV of labToCsv and the JSON of the result, named after the run', async () => {
    const fake = createFakeApi()
    const result = sleepPoolResult()
    const { wrapper } = await openLab(fake)
    await runWith(wrapper, fake, result)
    const downloads = captureDownloads()

    await wrapper.get('[data-testid="lab-export-csv"]').trigger('click')
    await wrapper.get('[data-testid="lab-export-json"]').trigger('click')
    const [csv, json] = downloads.files
    expect(csv!.fileName).toMatch(/^corelane-lab-sleep-pool-quick-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.csv$/)
    expect(csv!.type).toBe('text/csv')
    expect(await csv!.text()).toBe(labToCsv(result))
    expect(json!.fileName).toMatch(/^corelane-lab-sleep-pool-quick-.*\.json$/)
    expect(JSON.parse(await json!.text())).toEqual(result)
  })

  it('says so when this window cannot draw the PNG (no 2D canvas here)', async () => {
    const fake = createFakeApi()
    const { wrapper } = await openLab(fake)
    await runWith(wrapper, fake, sleepPoolResult())
    const downloads = captureDownloads()
    await wrapper.get('[data-testid="lab-export-png"]').trigger('click')
    await flushPromises()
    expect(downloads.files).toHaveLength(0)
    expect(wrapper.get('[data-testid="notice"][data-level="error"]').text()).toContain('cannot draw images')
  })

  it('keeps every run of the session to compare, newest first, and shows an earlier one on click', async () => {
    const fake = createFakeApi()
    const { wrapper } = await openLab(fake)
    await runWith(wrapper, fake, gatherFetchResult())
    await runWith(wrapper, fake, sleepPoolResult())
    const entries = wrapper.findAll('[data-testid="lab-run-entry"]')
    expect(entries.map((e) => e.attributes('data-experiment'))).toEqual(['sleep-pool', 'gather-fetch'])
    expect(entries[1]!.text()).toContain('1 missed')
    expect(entries[1]!.text()).toContain('1.34 s')
    expect(wrapper.get('[data-testid="lab-result"]').attributes('data-experiment')).toBe('sleep-pool')

    await entries[1]!.get('button').trigger('click')
    expect(wrapper.get('[data-testid="lab-result"]').attributes('data-experiment')).toBe('gather-fetch')
    expect(wrapper.get('[data-testid="lab-result"]').text()).toContain('an earlier run')
    // Results survive leaving the Lab and coming back.
    await wrapper.get('[data-testid="work-tab"]').trigger('click')
    await wrapper.get('[data-testid="lab-tab"]').trigger('click')
    expect(wrapper.findAll('[data-testid="lab-run-entry"]')).toHaveLength(2)
  })

  it('opens with l and goes back to the work with l again, keeping what the job form held; n comes back from any view', async () => {
    const { wrapper } = await mountConnected(App, createFakeApi())
    await wrapper.get('[data-testid="job-count"]').setValue('7')
    press('l')
    await flushPromises()
    expect(wrapper.find('[data-testid="lab-controls"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="lab-tab"]').attributes('aria-current')).toBe('page')
    expect(wrapper.findAll('[data-testid="core-meter"]')).toHaveLength(4)
    press('l')
    await flushPromises()
    expect(wrapper.find('[data-testid="lab-controls"]').exists()).toBe(false)
    expect((wrapper.get('[data-testid="job-count"]').element as HTMLInputElement).value).toBe('7')
    // `n` from another view comes back to the work and focuses the form.
    press('h')
    await flushPromises()
    expect(wrapper.find('[data-testid="history-view"]').exists()).toBe(true)
    press('n')
    await flushPromises()
    expect(wrapper.find('[data-testid="history-view"]').exists()).toBe(false)
    expect(document.activeElement).toBe(wrapper.get('[data-testid="kind-select"]').element)
  })
})
