// The Machines view on the fake host: no tab until the host sends `machines` (it follows a
// cluster), then one block per machine with its cores, the jobs on each core, the ones not on
// a known core yet, and a machine no longer heard marked as such.
import { flushPromises } from '@vue/test-utils'
import { expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import type { MachineView } from '../../src/shared/cluster.ts'
import { mountConnected } from './mount-app.ts'

function machine(name: string, patch: Partial<MachineView> = {}): MachineView {
  return {
    v: 1,
    name,
    host: `${name}.lan`,
    pid: 100,
    state: 'ready',
    startedAt: 1,
    at: Date.now(),
    cores: [80, 10],
    memUsed: 2 ** 30,
    memTotal: 2 ** 32,
    cpuSlots: 2,
    ioConcurrency: 1000,
    concurrency: 4,
    running: 0,
    jobs: [],
    allow: { shell: false, script: false },
    jobsDone: 0,
    gone: false,
    ...patch,
  }
}

it('shows each machine’s cores and the jobs on them once the host follows a cluster', async () => {
  const { wrapper, fake } = await mountConnected(App)
  expect(wrapper.find('[data-testid="machines-tab"]').exists()).toBe(false)

  fake.emit('machines', [
    machine('alpha', {
      running: 2,
      jobs: [
        { controller: 'c', id: 7, kind: 'sum-squares', core: 1 },
        { controller: 'c', id: 8, kind: 'hash', core: null },
      ],
    }),
    machine('beta', { cores: [5, 5, 5, 5], gone: true, at: Date.now() - 9000 }),
  ])
  await flushPromises()
  await wrapper.get('[data-testid="machines-tab"]').trigger('click')
  await flushPromises()

  const blocks = wrapper.findAll('[data-testid="machine"]')
  expect(blocks.map((b) => b.attributes('data-name'))).toEqual(['alpha', 'beta'])
  const [alpha, beta] = blocks
  expect(alpha!.findAll('[data-testid="machine-core"]')).toHaveLength(2)
  const cores = alpha!.findAll('[data-testid="machine-core"]')
  expect(cores[0]!.find('[data-testid="machine-job"]').exists()).toBe(false)
  expect(cores[1]!.get('[data-testid="machine-job"]').text()).toBe('#7 sum-squares')
  expect(alpha!.get('[data-testid="machine-unplaced"]').text()).toContain('#8 hash')
  expect(beta!.findAll('[data-testid="machine-core"]')).toHaveLength(4)
  expect(beta!.get('[data-testid="machine-gone"]').text()).toMatch(/not heard for 9 s/)
  expect(wrapper.get('[data-testid="machines-summary"]').text()).toBe('1 agent, 2 CPU slots')
  expect(wrapper.get('[data-testid="machines-view"]').text()).toContain('read on the machine that runs it')
})
