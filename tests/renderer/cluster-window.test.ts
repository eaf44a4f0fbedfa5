// Issue #10's window pieces, on the fake host: the Jobs table names the machine each job ran
// on (a column and a filter that appear once a cluster agent ran something), and the task
// stream puts a cluster's jobs in one row per agent, after this machine's workers.
import { flushPromises } from '@vue/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import JobTable from '../../src/renderer/src/components/JobTable.vue'
import TaskStream from '../../src/renderer/src/components/TaskStream.vue'
import { createFakeApi, makeJob, makeSnapshot, makeWorker } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

const started = Date.now() - 3000
const ran = (id: number, workerId: number, machine: string | null) =>
  makeJob(id, { state: 'running', attempts: 1, workerId, startedAt: started, machine })

const rowIds = (root: Element) =>
  [...root.querySelectorAll('[data-testid="job-row"]')].map((r) => Number(r.getAttribute('data-id'))).sort((a, b) => a - b)

// happy-dom does no layout: give the job table's scroller a viewport so the virtualizer renders rows.
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight')
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      if (this.dataset.testid === 'job-scroller') return 600
      return clientHeight?.get?.call(this) ?? 0
    },
  })
})
afterAll(() => {
  if (clientHeight) Object.defineProperty(HTMLElement.prototype, 'clientHeight', clientHeight)
})

describe('the Jobs table and the cluster', () => {
  it('shows no Machine column or filter while no job ran on an agent', async () => {
    const fake = createFakeApi(makeSnapshot({ jobs: [ran(1, 1, null), makeJob(2)], workers: [makeWorker(1)] }))
    const { wrapper } = await mountConnected(JobTable, fake)
    const headers = wrapper.findAll('[role="columnheader"]').map((c) => c.text())
    expect(headers).not.toContain('Machine')
    expect(wrapper.find('[data-testid="machine-filter"]').exists()).toBe(false)
  })

  it('names each job’s machine and filters by it', async () => {
    const jobs = [ran(1, 1, null), ran(2, 7, 'east'), ran(3, 7, 'west'), ran(4, 7, 'east'), makeJob(5)]
    const fake = createFakeApi(makeSnapshot({ jobs, workers: [makeWorker(1), makeWorker(7, { pid: null, tid: null })] }))
    const { wrapper } = await mountConnected(JobTable, fake)
    expect(wrapper.findAll('[role="columnheader"]').map((c) => c.text())).toContain('Machine')
    const machineOf = (id: number) => wrapper.find(`[data-testid="job-row"][data-id="${id}"] [data-testid="job-machine"]`).text()
    expect([1, 2, 3, 4, 5].map(machineOf)).toEqual(['local', 'east', 'west', 'east', ''])

    const filter = wrapper.find('[data-testid="machine-filter"]')
    expect(filter.findAll('option').map((o) => o.text())).toEqual(['All machines', 'This machine', 'east', 'west'])
    await filter.setValue('east')
    await flushPromises()
    expect(rowIds(wrapper.element)).toEqual([2, 4])
    await filter.setValue('')
    await flushPromises()
    // "This machine": jobs run here, and jobs not run anywhere yet.
    expect(rowIds(wrapper.element)).toEqual([1, 5])
  })
})

describe('the task stream and the cluster', () => {
  it('groups rows by machine: this machine’s workers first, then one row per agent', async () => {
    const jobs = [ran(1, 1, null), ran(2, 7, 'west'), ran(3, 7, 'east'), ran(4, 2, null)]
    const workers = [makeWorker(1), makeWorker(2, { executor: 'process' }), makeWorker(7, { pid: null, tid: null })]
    const fake = createFakeApi(makeSnapshot({ jobs, workers }))
    const Stream = defineComponent(() => () => h(TaskStream, { active: true }))
    const { wrapper } = await mountConnected(Stream, fake)
    const rows = wrapper.findAll('[data-testid="stream-rows"] li')
    expect(rows.map((r) => r.text())).toEqual([
      '#1 thread · cpu',
      '#2 process · cpu',
      'east · cluster agent',
      'west · cluster agent',
    ])
    expect(rows.map((r) => r.attributes('data-machine'))).toEqual(['', '', 'east', 'west'])
  })
})
