// The window's batch controls against the fake host (the renderer's only edge): the halt
// field of the job form and a dropped batch file's halt and gates; the results folder and Dry run.
import { flushPromises } from '@vue/test-utils'
import { beforeAll, describe, expect, it } from 'vitest'
import JobForm from '../../src/renderer/src/components/JobForm.vue'
import { describeHalt } from '../../src/renderer/src/lib/batch-controls.ts'
import { mountConnected } from './mount-app.ts'

describe('BatchControls in the job form', () => {
  it('sends the halt rule with the submit and says what it will do', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('[data-testid="batch-halt"]').setValue('soon,fail=10%')
    expect(wrapper.get('[data-testid="batch-halt-hint"]').text()).toBe(
      'Once 10% of the jobs have failed (or timed out): start no more jobs and let the running ones finish.',
    )
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(1)
    expect(fake.callsOf('submit')[0]).toMatchObject({ halt: 'soon,fail=10%', template: { kind: 'sleep' } })
  })

  it('sends no halt when the field is empty or "never"', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('form').trigger('submit')
    await wrapper.get('[data-testid="batch-halt"]').setValue('never')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit').map((c) => 'halt' in c)).toEqual([false, false])
  })

  it('refuses a rule that is not one, next to the field, without submitting', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('[data-testid="batch-halt"]').setValue('now,fail=0')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(0)
    expect(wrapper.get('[data-testid="batch-controls"]').text()).toContain('the count must be 1 or more')
    expect(wrapper.find('[data-testid="batch-halt-hint"]').exists()).toBe(false)
  })

  it('submits a dropped batch file with its halt rule and its gates', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    const controls = { halt: 'now,fail=1', delay: '0.5s', maxLoad: 2, memFree: '1G' }
    const text = JSON.stringify({ ...controls, jobs: [{ kind: 'sleep', params: { ms: 1 } }] })
    const file = new File([text], 'halting.json', { type: 'application/json' })
    await wrapper.get('[data-testid="batch-drop"]').trigger('drop', { dataTransfer: { files: [file], types: ['Files'] } })
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 50))
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(1)
    expect(fake.callsOf('submit')[0]).toMatchObject(controls)
  })

  it('describes each kind of rule', () => {
    expect(describeHalt('now,fail=1')).toBe('Once 1 job has failed (or timed out): cancel the running jobs and start no more.')
    expect(describeHalt('2')).toBe(describeHalt('now,fail=1'))
    expect(describeHalt('soon,success=3')).toBe('Once 3 jobs have succeeded: start no more jobs and let the running ones finish.')
    expect(describeHalt('')).toContain('--halt never')
    expect(describeHalt('whenever')).toBeNull()
  })
})

describe('start gates in the job form', () => {
  it('sends delay, max load and free memory, numbers as numbers and units as written', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('[data-testid="batch-delay"]').setValue('0.5s')
    await wrapper.get('[data-testid="batch-max-load"]').setValue('2')
    await wrapper.get('[data-testid="batch-mem-free"]').setValue('2G')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')[0]).toMatchObject({ delay: '0.5s', maxLoad: 2, memFree: '2G' })
  })

  it('refuses a size that is not one, naming the field', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('[data-testid="batch-mem-free"]').setValue('lots')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(0)
    expect(wrapper.get('[data-testid="batch-controls"]').text()).toContain('must be a size in bytes')
  })
})

describe('the Jobs table with dependencies', () => {
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

  it('says what a waiting job waits for, and draws the picked batch as a graph', async () => {
    const { makeJob, makeSnapshot, createFakeApi } = await import('./fake-api.ts')
    const JobTable = (await import('../../src/renderer/src/components/JobTable.vue')).default
    const { useJobsStore } = await import('../../src/renderer/src/stores/jobs.ts')
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [
          makeJob(1, { batchId: 4, name: 'build', state: 'running' }),
          makeJob(2, { batchId: 4, name: 'test', state: 'queued', after: [1], note: 'waits for "build"' }),
          makeJob(3, { batchId: 5, name: 'other', state: 'queued', note: 'waiting for the delay: 100 ms between starts' }),
        ],
      }),
    )
    const { wrapper } = await mountConnected(JobTable, fake)
    const notes = wrapper.findAll('[data-testid="job-wait-note"]').map((n) => n.text())
    expect(notes.sort()).toEqual(['waiting for the delay: 100 ms between starts', 'waits for "build"'])
    expect(wrapper.find('[data-testid="dependency-graph"]').exists()).toBe(false)
    useJobsStore().batchFilter = 4
    await flushPromises()
    const nodes = wrapper.findAll('[data-testid="graph-node"]')
    expect(nodes.map((n) => [n.attributes('data-job'), n.attributes('data-state')])).toEqual([
      ['1', 'running'],
      ['2', 'queued'],
    ])
    // A batch without dependencies draws no graph.
    useJobsStore().batchFilter = 5
    await flushPromises()
    expect(wrapper.find('[data-testid="dependency-graph"]').exists()).toBe(false)
  })
})

describe('Results folder and Dry run in the job form', () => {
  it('sends a dry run as `dryRun` (not `submit`) and lists what came back under the form', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    fake.handle('dryRun', () => ({
      total: 2,
      jobs: [
        { seq: 1, name: 'first', kind: 'shell', command: 'echo a' },
        { seq: 2, name: null, kind: 'shell', command: "echo 'b c'" },
      ],
    }))
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('[data-testid="batch-results"]').setValue('/tmp/out')
    await wrapper.get('[data-testid="batch-dry-run"]').setValue(true)
    expect(wrapper.get('[data-testid="submit-job"]').text()).toMatch(/^Dry run/)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(0)
    // A dry run writes nothing: the folder is not sent.
    expect(fake.callsOf('dryRun')).toHaveLength(1)
    expect(fake.callsOf('dryRun')[0]).not.toHaveProperty('results')
    const list = wrapper.get('[data-testid="dry-run-list"]')
    expect(list.get('h3').text()).toBe('Dry run: 2 jobs, nothing was run')
    expect(list.findAll('[data-testid="dry-run-job"] code').map((c) => c.text())).toEqual(['echo a', "echo 'b c'"])
  })

  it('sends the results folder with the submit; refuses a relative one next to the field without sending', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('[data-testid="batch-results"]').setValue('out')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(0)
    expect(wrapper.get('[data-testid="form-error"][data-field="results"]').text()).toMatch(/absolute folder path/)
    await wrapper.get('[data-testid="batch-results"]').setValue('/srv/out')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')[0]).toMatchObject({ results: '/srv/out', template: { kind: 'sleep' } })
    // In the app the folder is on this computer; web mode says the server (tests/e2e).
    expect(wrapper.get('[data-testid="batch-results-hint"]').text()).toContain('on this computer')
  })
})
