// How an idle serial thread worker waits for the engine's next message: blocked on the wake
// counter the engine bumps after each post (Atomics.wait, no CPU), then taking the message
// itself with receiveMessageOnPort. A round trip then skips both event loops' wake-ups
// (an eventfd write, an epoll wait and a read on each side), most of its latency.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads'

/**
 * A wait for up to `ms` that delivers, synchronously, what the engine posted. It keeps count
 * of the posts it has accounted for, so a round trip asks the port once. Posts it counts but
 * cannot find were taken by the worker's event-loop listener (the worker was back in its loop
 * after a wait timed out): then it waits on, in step with the counter again. Returning at once
 * instead left every later message to the listener, and the worker on the slow path for good.
 */
export function messageWaiter(port: MessagePort, wake: Int32Array, deliver: (message: unknown) => void): (ms: number) => void {
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
    if (count !== taken && takeUpTo(count)) return
    if (Atomics.wait(wake, 0, taken, ms) === 'timed-out') return
    takeUpTo(Atomics.load(wake, 0))
  }
}
