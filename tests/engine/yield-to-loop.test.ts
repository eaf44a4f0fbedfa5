// yieldToLoop gives the event loop a turn, not just the microtask queue: what a long loop relies
// on to see a cancel message (a kind in a worker) or to let reports in (the engine's enqueue).
// A microtask-only yield (`await Promise.resolve()`) fails both tests.
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { yieldToLoop } from '../../src/main/engine/yield-to-loop.ts'

describe('yieldToLoop', () => {
  it('lets a callback the loop already holds run before it resolves', async () => {
    const order: string[] = []
    setImmediate(() => order.push('waiting callback'))
    await yieldToLoop()
    order.push('after the yield')
    expect(order).toEqual(['waiting callback', 'after the yield'])
  })

  it('lets a loop that yields with it receive a message, as a busy kind receives its cancel', async () => {
    const { port1, port2 } = new MessageChannel()
    const received: unknown[] = []
    port2.on('message', (message) => received.push(message))
    port1.postMessage({ type: 'cancel', jobId: 1 })
    // A message arrives in a turn or two; a yield that never lets the loop go round would spin out all 1000.
    for (let turns = 0; received.length === 0 && turns < 1000; turns++) await yieldToLoop()
    expect(received).toEqual([{ type: 'cancel', jobId: 1 }])
    port1.close()
  })
})
