// Issue #13's wording defects (9, 10, 11): problems in the form's own units and names, digits
// grouped, one message per error, a count over the limit refused before the button promises
// it, input that is not JSON and unterminated argv quotes refused with their field named, and
// the small things (timed-out batches, "1 job", hidden kinds, tooltips, at most two toasts).
import { flushPromises } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import JobForm from '../../src/renderer/src/components/JobForm.vue'
import { emptyCounts } from '../../src/shared/job.ts'
import { labelFor } from '../../src/renderer/src/lib/schema-fields.ts'
import { useNoticesStore } from '../../src/renderer/src/stores/notices.ts'
import { createFakeApi, makeBatch, makeJob, makeSnapshot, makeWorker } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

const errors = (wrapper: VueWrapper) =>
  wrapper.findAll('[data-testid="form-error"]').map((e) => ({ field: e.attributes('data-field'), text: e.text() }))

describe('defect 9: error wording', () => {
  it('names a timeout in seconds, as the form asks for it', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('10')
    await wrapper.get('[data-testid="job-timeout"]').setValue('-1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(errors(wrapper)).toEqual([{ field: 'template.timeoutMs', text: 'timeout expected at least 0.001 s, got -1 s' }])
    expect(fake.callsOf('submit')).toHaveLength(0)
  })

  it('refuses a count over the limit as it is typed, before the button promises it', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    // A count is streamed by the engine: 2,000,000 is fine, past the safe integers is not.
    await wrapper.get('[data-testid="job-count"]').setValue('2000000')
    expect(wrapper.get('[data-testid="submit-job"]').text()).toBe('Submit 2,000,000 jobs')
    await wrapper.get('[data-testid="job-count"]').setValue('9007199254740993')
    const button = wrapper.get('[data-testid="submit-job"]')
    expect(button.text()).toBe('Too many jobs for one submit')
    expect(button.attributes('disabled')).toBeDefined()
    expect(errors(wrapper)).toEqual([
      {
        field: 'count',
        text: 'count 9,007,199,254,740,992 jobs is more than one submit takes (at most 9,007,199,254,740,991); split it into several batches',
      },
    ])
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(0)
  })

  it('says "1 job", and groups the digits of big counts', async () => {
    const { wrapper } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="job-count"]').setValue('1')
    expect(wrapper.get('[data-testid="submit-job"]').text()).toBe('Submit 1 job')
    await wrapper.get('[data-testid="job-count"]').setValue('25000')
    expect(wrapper.get('[data-testid="submit-job"]').text()).toBe('Submit 25,000 jobs')
  })

  it('shows an engine refusal once, in words, with grouped digits and no backticks', async () => {
    const fake = createFakeApi()
    fake.handle('setLimits', () => {
      throw {
        code: 'invalid-input',
        message: 'cpuSlots: expected <=1024, got 20000; `cpuSlots` is per engine',
        fields: [{ field: 'cpuSlots', message: 'expected <=1024, got 20000' }],
      }
    })
    const { wrapper } = await mountConnected(App, fake)
    await wrapper.get('[data-testid="cpu-slots"]').setValue('20000')
    await wrapper.get('[data-testid="cpu-slots"]').trigger('change')
    await flushPromises()
    const notice = wrapper.get('[data-testid="notice"][data-level="error"]')
    expect(notice.findAll('li')).toHaveLength(0)
    expect(notice.text()).toContain('cpuSlots: expected at most 1024, got 20,000; “cpuSlots” is per engine')
    expect(notice.text()).not.toContain('`')
  })
})

describe('defect 10: silent acceptance', () => {
  it('refuses a script Input that is not JSON, naming the field', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('script')
    await wrapper.get('[data-testid="param-module"]').setValue('/tmp/job.mjs')
    await wrapper.get('[data-testid="param-input"]').setValue('{"n": 5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const [problem] = errors(wrapper)
    expect(problem?.field).toBe('template.params.input')
    expect(problem?.text).toContain('Input must be JSON')
    expect(fake.callsOf('submit')).toHaveLength(0)
  })

  it('refuses a shell argv with an unterminated quote, naming the field', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('shell')
    await wrapper.get('[data-testid="param-argv"]').setValue('echo "hello world')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const [problem] = errors(wrapper)
    expect(problem?.field).toBe('template.params.argv')
    expect(problem?.text).toContain('unterminated double quote')
    expect(fake.callsOf('submit')).toHaveLength(0)
  })
})

describe('defect 11: small things', () => {
  it('says "timed out" for a batch that timed out, not "failed"', async () => {
    const fake = createFakeApi(makeSnapshot({ batches: [makeBatch(1, { name: 'slow', total: 1 })] }))
    const { wrapper } = await mountConnected(App, fake)
    const counts = { ...emptyCounts(), 'timed-out': 1 }
    fake.emit('batches', [makeBatch(1, { name: 'slow', total: 1, counts, endedAt: Date.now() })])
    await flushPromises()
    const notice = wrapper.get('[data-testid="notice"]')
    expect(notice.text()).toContain('0 succeeded, 1 timed out')
    expect(notice.text()).not.toContain('failed')
    expect(wrapper.get('[data-testid="batch-row"]').text()).toContain('1 timed out')
  })

  it('labels the elapsed time of a running batch', async () => {
    const fake = createFakeApi(makeSnapshot({ batches: [makeBatch(1, { total: 4, counts: { ...emptyCounts(), queued: 4 } })] }))
    const { wrapper } = await mountConnected(App, fake)
    expect(wrapper.get('[data-testid="batch-elapsed"]').text()).toMatch(/^running for \d/)
  })

  it('writes units in field labels as units ("MiB", not "Mib")', async () => {
    expect(['mib', 'chunkMb', 'ms', 'timeoutMs', 'url'].map(labelFor)).toEqual(['MiB', 'Chunk MB', 'ms', 'Timeout ms', 'URL'])
    const { wrapper } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('hash')
    expect(wrapper.text()).toContain('MiB')
    expect(wrapper.text()).not.toContain('Mib')
  })

  it('shows no literal backticks in the form’s hints', async () => {
    const { wrapper } = await mountConnected(JobForm)
    await wrapper.get('[data-testid="kind-select"]').setValue('shell')
    expect(wrapper.text()).toContain('no shell unless “shell” is true')
    expect(wrapper.text()).not.toContain('`')
  })

  it('keeps test-only kinds out of the History kind filter', async () => {
    const { wrapper } = await mountConnected(App)
    await wrapper.get('[data-testid="history-tab"]').trigger('click')
    await flushPromises()
    const kinds = wrapper.findAll('[data-testid="history-filter-kind"] option').map((o) => o.attributes('value'))
    expect(kinds).toContain('sleep')
    expect(kinds).not.toContain('alloc-until-oom')
  })

  it('gives names that may be cut a tooltip', async () => {
    const long = Array(4).fill('a job name long enough to be cut off by the column').join(' ')
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [makeJob(1, { name: long, state: 'running', workerId: 3 })],
        workers: [makeWorker(3, { state: 'busy', jobIds: [1] })],
        batches: [makeBatch(1, { name: long, total: 1 })],
      }),
    )
    const { wrapper } = await mountConnected(App, fake)
    expect(wrapper.get('[data-testid="batch-row"] .head').attributes('title')).toContain(long)
    expect(wrapper.get('[data-testid="worker-row"] .running').attributes('title')).toBe(`#1 ${long}`)
  })

  it('shows at most two toasts, newest kept, each dismissable', async () => {
    const { wrapper } = await mountConnected(App)
    const notices = useNoticesStore()
    for (const n of [1, 2, 3, 4]) notices.push({ level: 'info', title: `notice ${n}`, message: '' })
    await flushPromises()
    const shown = wrapper.findAll('[data-testid="notice"]')
    expect(shown.map((n) => n.get('strong').text())).toEqual(['notice 3', 'notice 4'])
    await shown[0]!.get('button[aria-label="Dismiss"]').trigger('click')
    expect(wrapper.findAll('[data-testid="notice"]').map((n) => n.get('strong').text())).toEqual(['notice 4'])
  })
})
