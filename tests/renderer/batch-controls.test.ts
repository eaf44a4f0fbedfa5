// The window's batch controls against the fake host (the renderer's only edge): the halt
// field of the job form and a dropped batch file's halt.
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
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

  it('submits a dropped batch file with its halt rule', async () => {
    const { wrapper, fake } = await mountConnected(JobForm)
    const text = JSON.stringify({ halt: 'now,fail=1', jobs: [{ kind: 'sleep', params: { ms: 1 } }] })
    const file = new File([text], 'halting.json', { type: 'application/json' })
    await wrapper.get('[data-testid="batch-drop"]').trigger('drop', { dataTransfer: { files: [file], types: ['Files'] } })
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 50))
    await flushPromises()
    expect(fake.callsOf('submit')).toHaveLength(1)
    expect(fake.callsOf('submit')[0]!.halt).toBe('now,fail=1')
  })

  it('describes each kind of rule', () => {
    expect(describeHalt('now,fail=1')).toBe('Once 1 job has failed (or timed out): cancel the running jobs and start no more.')
    expect(describeHalt('2')).toBe(describeHalt('now,fail=1'))
    expect(describeHalt('soon,success=3')).toBe('Once 3 jobs have succeeded: start no more jobs and let the running ones finish.')
    expect(describeHalt('')).toContain('--halt never')
    expect(describeHalt('whenever')).toBeNull()
  })
})
