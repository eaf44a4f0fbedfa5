// What the workers report, applied in arrival order but a few milliseconds at a time. A worker
// can hand back 100,000 events in a burst (the I/O lane starting a batch, or results queued up
// behind a busy engine); applied in one go they would hold the engine's loop for tens of
// milliseconds, and the same loop serves the window, the web clients and the other workers.
// When nothing is waiting, a report is applied at once, so a lone job's round trip pays nothing.

/** Applies as much as it can before `deadline` (performance.now()); returns true once done. */
export type InboxTask = (deadline: number) => boolean

export class Inbox {
  private readonly tasks: InboxTask[] = []
  private head = 0
  private draining = false
  private scheduled = false
  private readonly sliceMs: number

  constructor(sliceMs: number) {
    this.sliceMs = sliceMs
  }

  push(task: InboxTask): void {
    this.tasks.push(task)
    if (!this.draining && !this.scheduled) this.drain()
  }

  /** Applies everything now, however long it takes (on close, when nothing else should run). */
  drainAll(): void {
    this.drain(Infinity)
  }

  private readonly drain = (deadline = performance.now() + this.sliceMs): void => {
    this.scheduled = false
    this.draining = true
    try {
      while (this.head < this.tasks.length) {
        let finished = true
        try {
          finished = this.tasks[this.head]!(deadline)
        } catch (error) {
          // A report that cannot be applied is dropped, not retried: the ones behind it must go on.
          console.error('corelane: a worker report could not be applied', error)
        }
        if (!finished) break
        this.tasks[this.head++] = done
        // The clock is read only when more is waiting (a lone report, a round trip, skips it).
        if (this.head < this.tasks.length && performance.now() > deadline) break
      }
    } finally {
      this.draining = false
    }
    if (this.head === this.tasks.length) {
      this.tasks.length = 0
      this.head = 0
    } else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.drain)
    }
  }
}

const done: InboxTask = () => true
