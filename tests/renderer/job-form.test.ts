// The job form against the real kind catalogue: fields generated from the real JSON Schemas,
// client-side checks with the shared schemas, presets, and batch files dropped on it.
import { flushPromises } from '@vue/test-utils'
import type { VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import JobForm from '../../src/renderer/src/components/JobForm.vue'
import { createFakeApi } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

function mountForm(fake = createFakeApi()) {
  return mountConnected(JobForm, fake)
}

async function pickKind(wrapper: VueWrapper, kind: string) {
  await wrapper.get('[data-testid="kind-select"]').setValue(kind)
}

function dropFile(wrapper: VueWrapper, name: string, text: string) {
  const file = new File([text], name, { type: 'application/json' })
  return wrapper.get('[data-testid="batch-drop"]').trigger('drop', { dataTransfer: { files: [file], types: ['Files'] } })
}

describe('JobForm', () => {
  it('lists only visible kinds', async () => {
    const { wrapper } = await mountForm()
    const options = wrapper.findAll('[data-testid="kind-select"] option').map((o) => o.attributes('value'))
    expect(options).toContain('sum-squares')
    expect(options).toContain('shell')
    expect(options).not.toContain('alloc-until-oom')
  })

  it('builds fields from the real JSON Schema of a kind', async () => {
    const { wrapper } = await mountForm()
    await pickKind(wrapper, 'hash')
    const mib = wrapper.get('[data-testid="param-mib"]')
    expect(mib.attributes('type')).toBe('number')
    expect(mib.attributes('min')).toBe('1')
    expect(mib.attributes('max')).toBe('65536')
    expect(mib.attributes('step')).toBe('1')
    expect(wrapper.get('[data-testid="param-file"]').attributes('type')).toBe('text')
    const algorithms = wrapper.findAll('[data-testid="param-algorithm"] option').map((o) => o.attributes('value'))
    expect(algorithms).toEqual(['', 'sha256', 'sha512', 'sha1', 'md5'])
    expect(wrapper.text()).toContain('MiB of generated data to hash (instead of a file)')

    await pickKind(wrapper, 'shell')
    expect(wrapper.get('[data-testid="param-argv"]').element.tagName).toBe('INPUT')
    expect(wrapper.get('[data-testid="param-shell"]').attributes('type')).toBe('checkbox')
    expect(wrapper.get('[data-testid="param-env"]').element.tagName).toBe('TEXTAREA')
    const argvLabel = wrapper.get('label[for="param-argv"]')
    expect(argvLabel.text()).toContain('*') // required
    expect(wrapper.get('label[for="param-cwd"]').text()).not.toContain('*')

    await pickKind(wrapper, 'mandelbrot')
    expect(wrapper.get('[data-testid="param-scale"]').attributes('step')).toBe('any')
  })

  it('checks on the client and names the field at fault, without submitting', async () => {
    const { wrapper, fake } = await mountForm()
    await pickKind(wrapper, 'sum-squares')
    await wrapper.get('[data-testid="param-n"]').setValue('-5')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const errors = wrapper.findAll('[data-testid="form-error"]')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.attributes('data-field')).toBe('template.params.n')
    expect(errors[0]?.text()).toContain('params.n')
    expect(errors[0]?.text()).toContain('-5')
    expect(fake.callsOf('submit')).toHaveLength(0)

    // A required field left empty says so.
    await wrapper.get('[data-testid="param-n"]').setValue('')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.get('[data-testid="form-error"]').text()).toMatch(/params\.n\s+is required/)
  })

  it('submits a preset with the exact payload', async () => {
    const { wrapper, fake } = await mountForm()
    await wrapper.get('[data-testid="preset-select"]').setValue('sum-squares-processes')
    expect(wrapper.get('[data-testid="preset-lesson"]').text()).toContain('parallel processes')
    await wrapper.get('[data-testid="submit-job"]').trigger('click')
    await flushPromises()

    expect(fake.callsOf('submit')).toEqual([
      {
        name: '3 × sum-squares 1e7 (processes)',
        template: { kind: 'sum-squares', params: { n: 1e7 }, executor: 'process' },
        count: 3,
      },
    ])
  })

  it('submits every preset as it is defined', async () => {
    const { PRESETS, presetPayload } = await import('../../src/renderer/src/lib/presets.ts')
    const { wrapper, fake } = await mountForm()
    for (const preset of PRESETS) {
      await wrapper.get('[data-testid="preset-select"]').setValue(preset.id)
      await wrapper.get('form').trigger('submit')
      await flushPromises()
      expect(wrapper.findAll('[data-testid="form-error"]').map((e) => e.text())).toEqual([])
    }
    expect(fake.callsOf('submit')).toEqual(PRESETS.map(presetPayload))
  })

  it('takes the count and options typed into number inputs', async () => {
    const { wrapper, fake } = await mountForm()
    await pickKind(wrapper, 'sleep')
    await wrapper.get('[data-testid="param-ms"]').setValue('1000')
    await wrapper.get('[data-testid="job-count"]').setValue('5')
    await wrapper.get('[data-testid="job-priority"]').setValue('3')
    await wrapper.get('[data-testid="job-timeout"]').setValue('1.5')
    await wrapper.get('[data-testid="job-retries"]').setValue('2')
    expect(wrapper.get('[data-testid="submit-job"]').text()).toBe('Submit 5 jobs')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toEqual([
      { template: { kind: 'sleep', params: { ms: 1000 }, priority: 3, timeoutMs: 1500, retries: 2 }, count: 5 },
    ])
  })

  it('maps inputs one per line, with {} placeholders', async () => {
    const { wrapper, fake } = await mountForm()
    await pickKind(wrapper, 'sleep')
    await wrapper.get('[data-testid="mode-inputs"]').setValue(true)
    await wrapper.get('[data-testid="param-ms"]').setValue('{}')
    await wrapper.get('[data-testid="job-inputs"]').setValue('100\n\n250\n{"ms": 5}\n')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsOf('submit')).toEqual([{ template: { kind: 'sleep', params: { ms: '{}' } }, inputs: [100, 250, { ms: 5 }] }])

    await wrapper.get('[data-testid="job-inputs"]').setValue('soon')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const error = wrapper.get('[data-testid="form-error"]')
    expect(error.attributes('data-field')).toBe('template.params.ms')
    expect(error.text()).toContain('line 1')
  })

  it('shows the engine’s field errors next to the field', async () => {
    const fake = createFakeApi()
    fake.handle('submit', () => {
      throw {
        code: 'invalid-input',
        message: 'bad job',
        fields: [{ field: 'inputs[3].params.n', message: 'too big for this machine' }],
      }
    })
    const { wrapper } = await mountForm(fake)
    await pickKind(wrapper, 'sum-squares')
    await wrapper.get('[data-testid="param-n"]').setValue('10')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const error = wrapper.get('[data-testid="form-error"]')
    expect(error.attributes('data-field')).toBe('inputs[3].params.n')
    expect(error.text()).toContain('too big for this machine')
    // It sits under the n field (inside the param block), not in the form-wide list.
    expect(wrapper.get('[data-testid="param-n"]').element.parentElement?.textContent).toContain('too big')
  })

  it('refuses a dropped batch file that is not JSON, saying so', async () => {
    const { wrapper, fake } = await mountForm()
    await dropFile(wrapper, 'broken.json', '{ "jobs": [ { "kind": "sleep", ')
    await flushPromises()
    const status = wrapper.get('[data-testid="batch-status"]')
    expect(status.attributes('data-status')).toBe('invalid')
    expect(status.text()).toContain('broken.json is not valid JSON')
    expect(fake.callsOf('submit')).toHaveLength(0)
  })

  it('names the fields at fault in a dropped batch file', async () => {
    const { wrapper, fake } = await mountForm()
    const batch = {
      jobs: [
        { kind: 'sleep', params: { ms: 5 } },
        { kind: 'sleep', params: { ms: 'soon' } },
      ],
    }
    await dropFile(wrapper, 'batch.json', JSON.stringify(batch))
    await flushPromises()
    const errors = wrapper.findAll('[data-testid="batch-status"] [data-testid="form-error"]')
    expect(errors.map((e) => e.attributes('data-field'))).toEqual(['jobs[1].params.ms'])
    expect(fake.callsOf('submit')).toHaveLength(0)
  })

  it('submits a valid dropped batch file, defaults merged and ranges expanded', async () => {
    const { wrapper, fake } = await mountForm()
    const batch = {
      name: 'squares',
      defaults: { executor: 'process', retries: 1 },
      template: { kind: 'sum-squares', params: { n: '{}' } },
      inputs: { range: { from: 10, to: 40, step: 10 } },
    }
    await dropFile(wrapper, 'squares.json', JSON.stringify(batch))
    await flushPromises()
    expect(fake.callsOf('submit')).toEqual([
      {
        name: 'squares',
        template: { executor: 'process', retries: 1, kind: 'sum-squares', params: { n: '{}' } },
        inputs: [10, 20, 30],
      },
    ])
    expect(wrapper.get('[data-testid="batch-status"]').attributes('data-status')).toBe('submitted')
  })

  it('explains that `lines` inputs cannot be read in the window', async () => {
    const { wrapper, fake } = await mountForm()
    const batch = { template: { kind: 'hash', params: { file: '{}' } }, inputs: { lines: 'files.txt' } }
    await dropFile(wrapper, 'hash.json', JSON.stringify(batch))
    await flushPromises()
    const error = wrapper.get('[data-testid="batch-status"] [data-testid="form-error"]')
    expect(error.attributes('data-field')).toBe('inputs.lines')
    expect(error.text()).toContain('corelane run')
    expect(error.text()).toContain('desktop app')
    // Nothing was sent: the engine never sees a batch it cannot read.
    expect(fake.callsOf('submit')).toHaveLength(0)
  })
})
