// An idle thread worker's wait for the engine's next message (worker/message-wait.ts), on a
// real message channel and a real second thread posting to it, as the engine does: post, then
// bump the wake counter and notify.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { SpinGate } from '../../src/main/engine/executors/spin-gate.ts'
import { SPIN_MS, messageWaiter, type Watch } from '../../src/main/engine/worker/message-wait.ts'

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

  it('says how each wait ended', () => {
    const { port1, port2, wake } = open()
    const wait = messageWaiter(port2, wake, () => {})
    port1.postMessage('x')
    Atomics.add(wake, 0, 1)
    expect(wait(60_000)).toBe('ready')
    expect(wait(20)).toBe('timed-out')
  })
})

/**
 * A thread that posts `message` on `port` the engine's way 20 ms after `go[0]` turns 1: late
 * enough that the wait has begun (its outcome is then not 'ready'), well inside a long watch.
 */
function postOnSignal(port: MessagePort, wake: Int32Array, go: Int32Array, message: string): Worker {
  const code = `
    const { parentPort, workerData: { port, wake, go, message } } = require('node:worker_threads')
    parentPort.postMessage('ready')
    Atomics.wait(go, 0, 0)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
    port.postMessage(message)
    Atomics.add(wake, 0, 1)
    Atomics.notify(wake, 0)
    port.close()
  `
  return new Worker(code, { eval: true, workerData: { port, wake, go, message }, transferList: [port] })
}

/** A watch of `ms` with its gate open (a CPU to spare), or shut. */
function watching(ms: number, open = true): Watch {
  const gate = new SpinGate(open ? 2 : 1)
  gate.update(1) // one worker busy (the one about to wait): with two CPUs one is to spare, with one none
  return { ms, gate: gate.cell }
}

/** Waits with `watch` for a message a ready thread posts 20 ms after the wait is signalled to begin. */
async function waitForSignalledPost(watch: Watch): Promise<{ outcome: string; got: unknown[] }> {
  const { port1, port2, wake } = open()
  const go = new Int32Array(new SharedArrayBuffer(4))
  const got: unknown[] = []
  const poster = postOnSignal(port1, wake, go, 'soon')
  await new Promise((resolve) => poster.once('message', resolve))
  const wait = messageWaiter(port2, wake, (message) => got.push(message), watch)
  Atomics.store(go, 0, 1)
  Atomics.notify(go, 0)
  const outcome = wait(20_000)
  await new Promise((resolve) => poster.once('exit', resolve))
  return { outcome, got }
}

describe('watching the counter before blocking', () => {
  // Blocked in Atomics.wait, a thread leaves its CPU idle, and waking an idle CPU is what made
  // an unpinned round trip take ~100 µs on this VM where a watching worker takes ~30.
  it('takes a message posted while it watches, without blocking', async () => {
    // A watch of a whole second here (the worker's is SPIN_MS): the poster's post, 20 ms after
    // the signal, falls inside it even on a loaded machine.
    const { outcome, got } = await waitForSignalledPost(watching(1000))
    expect(outcome).toBe('spun')
    expect(got).toEqual(['soon'])
  })

  it('blocks once its watch is over, and still gets the message', async () => {
    const { port1, port2, wake } = open()
    const got: unknown[] = []
    const wait = messageWaiter(port2, wake, (message) => got.push(message), watching(1))
    const poster = postLater(port1, wake, 'late', 100)
    expect(wait(20_000)).toBe('woken')
    expect(got).toEqual(['late'])
    await new Promise((resolve) => poster.once('exit', resolve))
  })

  it('keeps to the whole wait it was given, watch included', () => {
    const { port2, wake } = open()
    const started = performance.now()
    expect(messageWaiter(port2, wake, () => {}, watching(300))(400)).toBe('timed-out')
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(399)
    // The watch counts against the wait: 400 ms, not 300 ms of watching and then 400 more.
    expect(took).toBeLessThan(650)
  })

  it('does not watch while the gate is shut: it blocks at once', async () => {
    const { outcome, got } = await waitForSignalledPost(watching(1000, false))
    expect(outcome).toBe('woken')
    expect(got).toEqual(['soon'])
  })
})

describe('the spin gate', () => {
  it('is open while the busy CPU workers and the engine thread leave a CPU to spare', () => {
    const gate = new SpinGate(2)
    const open = () => Atomics.load(gate.cell, 0) === 1
    expect(open()).toBe(true) // nothing busy
    gate.update(1) // one worker about to go idle: it, and the engine thread, fit in two CPUs
    expect(open()).toBe(true)
    gate.update(2) // both CPUs' workers busy: one watching would take a CPU from the other or the engine
    expect(open()).toBe(false)
    gate.update(1)
    expect(open()).toBe(true)
  })

  it('is never open on one CPU (a pinned process)', () => {
    const gate = new SpinGate(1)
    for (const busy of [0, 1, 2]) {
      gate.update(busy)
      expect(Atomics.load(gate.cell, 0)).toBe(0)
    }
    expect(SPIN_MS).toBeGreaterThan(0)
  })
})
