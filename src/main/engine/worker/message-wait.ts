// How an idle serial thread worker waits for the engine's next message: on the wake counter
// the engine bumps after each post, then taking the message itself with receiveMessageOnPort.
// A round trip then skips both event loops' wake-ups (an eventfd write, an epoll wait and a
// read on each side), most of its latency.
//
// It watches the counter for a moment (SPIN_MS) before it blocks in Atomics.wait. A blocked
// thread leaves its CPU idle, and an idle CPU may sleep: waking it again costs tens of
// microseconds on a VM whose guest does not poll before halting (this one: haltpoll with
// guest_halt_poll_ns=0), up to a hundred on a laptop in a deep C-state. A client that sends
// its next job as soon as the last one's result arrives finds the worker still watching. It
// watches only while the pool's spin gate is open (executors/spin-gate.ts): while a CPU is to
// spare, so it never takes one from the engine thread or a busy worker.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads'

/**
 * How long an idle worker watches the counter before it blocks: Linux's own default for a
 * guest's halt polling (guest_halt_poll_ns, 200 µs), the same trade of a little CPU per idle
 * spell against a CPU's wake-up. Measured on this 2-vCPU VM, unpinned round trips: 50 µs of
 * watching caught the next job in some processes only, 200 µs in all.
 */
export const SPIN_MS = 0.2

/** How long to watch, and the pool's gate (1: a CPU is to spare), read at each wait. */
export interface Watch {
  ms: number
  gate: Int32Array
}

/** How a wait ended: messages already there, taken while watching, after blocking, or none in time. */
export type WaitOutcome = 'ready' | 'spun' | 'woken' | 'timed-out'

/**
 * A wait for up to `ms` that delivers, synchronously, what the engine posted. It keeps count
 * of the posts it has accounted for, so a round trip asks the port once. Posts it counts but
 * cannot find were taken by the worker's event-loop listener (the worker was back in its loop
 * after a wait timed out): then it waits on, in step with the counter again. Returning at once
 * instead left every later message to the listener, and the worker on the slow path for good.
 */
export function messageWaiter(
  port: MessagePort,
  wake: Int32Array,
  deliver: (message: unknown) => void,
  watch: Watch | null = null,
): (ms: number) => WaitOutcome {
  // Up to this count, posted messages have been taken here or by the listener. From 0, not the
  // count now: what the engine posted before this thread started may still wait.
  let taken = 0
  /** Delivers what waits of the posts counted up to `count`; false if the listener had them all. */
  const takeUpTo = (count: number): boolean => {
    // (The counter wraps past 2^31 posts; the difference stays right.)
    let waiting = (count - taken) | 0
    taken = count
    let delivered = false
    while (waiting-- > 0) {
      const message = receiveMessageOnPort(port)
      if (!message) break
      deliver(message.message)
      delivered = true
    }
    return delivered
  }
  return (ms) => {
    const count = Atomics.load(wake, 0)
    if (count !== taken && takeUpTo(count)) return 'ready'
    let left = ms
    if (watch && Atomics.load(watch.gate, 0) === 1) {
      const start = performance.now()
      const until = start + Math.min(watch.ms, ms)
      let seen = Atomics.load(wake, 0)
      while (seen === taken && performance.now() < until) seen = Atomics.load(wake, 0)
      if (seen !== taken && takeUpTo(seen)) return 'spun'
      left = Math.max(0, ms - (performance.now() - start))
    }
    if (Atomics.wait(wake, 0, taken, left) === 'timed-out') return 'timed-out'
    takeUpTo(Atomics.load(wake, 0))
    return 'woken'
  }
}
