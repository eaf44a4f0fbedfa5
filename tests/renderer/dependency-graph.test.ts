// DependencyGraph.vue and its layout: jobs placed one column right of what they wait for,
// an edge per dependency, boxes coloured by state and redrawn when states change.
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import DependencyGraph, { type GraphJob } from '../../src/renderer/src/components/DependencyGraph.vue'
import { layoutGraph } from '../../src/renderer/src/lib/dependency-layout.ts'

describe('layoutGraph', () => {
  it('puts each job one layer after the deepest job it waits for', () => {
    const layout = layoutGraph([
      { id: 1, after: [] },
      { id: 2, after: [1] },
      { id: 3, after: [1] },
      { id: 4, after: [2, 3] },
      { id: 5, after: [1, 4] },
      { id: 6, after: [] },
    ])
    const layer = Object.fromEntries(layout.nodes.map((n) => [n.id, n.layer]))
    expect(layer).toEqual({ 1: 0, 2: 1, 3: 1, 4: 2, 5: 3, 6: 0 })
    expect(layout.edges).toHaveLength(6)
    expect(layout.layers).toBe(4)
    expect(layout.rows).toBe(2)
  })

  it('ignores ids outside the batch and survives a cycle', () => {
    const layout = layoutGraph([
      { id: 1, after: [99] },
      { id: 2, after: [3] },
      { id: 3, after: [2] },
    ])
    expect(layout.nodes.find((n) => n.id === 1)!.layer).toBe(0)
    expect(layout.nodes.filter((n) => n.layer === 1).map((n) => n.id)).toEqual([2, 3])
  })
})

describe('DependencyGraph', () => {
  const jobs = (states: Record<number, GraphJob['state']>): GraphJob[] => [
    { id: 1, name: 'compile', state: states[1]!, after: [], note: null },
    { id: 2, name: 'test', state: states[2]!, after: [1], note: 'waits for compile' },
    { id: 3, name: 'package', state: states[3]!, after: [2], note: null },
  ]

  it('draws a box per job coloured by its state and an edge per dependency, live', async () => {
    const wrapper = mount(DependencyGraph, { props: { jobs: jobs({ 1: 'running', 2: 'queued', 3: 'queued' }) } })
    const nodes = wrapper.findAll('[data-testid="graph-node"]')
    expect(nodes.map((n) => [n.attributes('data-job'), n.attributes('data-state')])).toEqual([
      ['1', 'running'],
      ['2', 'queued'],
      ['3', 'queued'],
    ])
    expect(nodes[1]!.find('title').text()).toBe('test (#2): queued — waits for compile')
    expect(wrapper.findAll('path.edge')).toHaveLength(2)
    // Left to right: each job's box is right of the one it waits for.
    const x = (i: number) => Number(/translate\((\d+)/.exec(nodes[i]!.attributes('transform')!)![1])
    expect(x(0)).toBeLessThan(x(1))
    expect(x(1)).toBeLessThan(x(2))

    await wrapper.setProps({ jobs: jobs({ 1: 'succeeded', 2: 'failed', 3: 'cancelled' }) })
    expect(wrapper.findAll('[data-testid="graph-node"]').map((n) => n.attributes('data-state'))).toEqual([
      'succeeded',
      'failed',
      'cancelled',
    ])
    expect(wrapper.findAll('path.edge.done')).toHaveLength(1)
    await wrapper.findAll('[data-testid="graph-node"]')[2]!.trigger('click')
    expect(wrapper.emitted('select')).toEqual([[3]])
  })
})
