// An idle thread worker's wait for the engine's next message (worker/message-wait.ts), on a
// real message channel and a real second thread posting to it, as the engine does: post, then
// bump the wake counter and notify.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { messageWaiter } from '../../src/main/engine/worker/message-wait.ts'

/** A thread that, after `delayMs`, posts `message` on `port` the engine's way. */
function postLater(port: MessagePort, wake: Int32Array, message: string, delayMs: number): Worker {
  const code = `
    const { workerData: { port, wake, message, delayMs } } = require('node:worker_threads')
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs)
    port.postMessage(message)
    Atomics.add(wake, 0, 1)
    Atomics.notify(wake, 0)
    port.close()
  `
  return new Worker(code, { eval: true, workerData: { port, wake, message, delayMs }, transferList: [port] })
}

const channels: MessageChannel[] = []
const open = () => {
  const channel = new MessageChannel()
  channels.push(channel)
  return { ...channel, wake: new Int32Array(new SharedArrayBuffer(4)) }
}
afterEach(() => {
  for (const { port1, port2 } of channels.splice(0)) {
    port1.close()
    port2.close()
  }
})

describe('an idle worker waiting for the next message', () => {
  it('delivers what was posted before it waits, in order, without blocking', () => {
    const { port1, port2, wake } = open()
    const got: unknown[] = []
    const wait = messageWaiter(port2, wake, (message) => got.push(message))
    for (const message of ['a', 'b']) {
      port1.postMessage(message)
      Atomics.add(wake, 0, 1)
    }
    wait(60_000) // would block for a minute (and the test time out) if it waited
    expect(got).toEqual(['a', 'b'])
  })

  it('waits for a message posted later by another thread, and delivers it', async () => {
    const { port1, port2, wake } = open()
    const got: unknown[] = []
    const wait = messageWaiter(port2, wake, (message) => got.push(message))
    const poster = postLater(port1, wake, 'late', 50)
    wait(20_000)
    expect(got).toEqual(['late'])
    await new Promise((resolve) => poster.once('exit', resolve))
  })

  // The bug: once the worker's event-loop listener had taken a message (the worker was back in
  // its loop after a wait timed out), the counter stayed ahead of what the wait had accounted
  // for, so every later wait returned at once, found nothing, and left the next message to the
  // loop: every round trip after that paid both event loops' wake-ups.
  it('still waits after the event loop took a counted message', async () => {
    const { port1, port2, wake } = open()
    const got: unknown[] = []
    const wait = messageWaiter(port2, wake, (message) => got.push(message))
    port1.postMessage('taken by the loop')
    Atomics.add(wake, 0, 1)
    expect(receiveMessageOnPort(port2)?.message).toBe('taken by the loop') // as the listener would
    const poster = postLater(port1, wake, 'next', 50)
    wait(20_000)
    expect(got).toEqual(['next'])
    await new Promise((resolve) => poster.once('exit', resolve))
  })

  it('returns with nothing when nothing comes within the wait', () => {
    const { port2, wake } = open()
    const got: unknown[] = []
    messageWaiter(port2, wake, (message) => got.push(message))(20)
    expect(got).toEqual([])
  })
})
