// --keep-order: the --json line of each job is held until every job before it (in input
// order) has printed its own, as GNU parallel's -k holds output. Without it lines go out as
// jobs end. Jobs can end before the submit call returns their ids, so lines that come first
// wait for `expect`.
export class OrderedOutput {
  private readonly write: (text: string) => void
  private readonly keepOrder: boolean
  private order: number[] | null = null
  private next = 0
  private readonly held = new Map<number, string>()

  constructor(write: (text: string) => void, keepOrder: boolean) {
    this.write = write
    this.keepOrder = keepOrder
  }

  /** The ids whose lines will come, in the order to print them. */
  expect(ids: readonly number[]): void {
    this.order = [...ids]
    this.drain()
  }

  /**
   * One more id at the end of the order (a streamed batch, told job by job as it is read).
   * Printed ids are dropped from the front, so what is held is bounded by what the stream
   * lets be unsettled ahead of the oldest (its window, in keep-order mode).
   */
  follow(id: number): void {
    ;(this.order ??= []).push(id)
    if (this.next > 4096 && this.next * 2 > this.order.length) {
      this.order = this.order.slice(this.next)
      this.next = 0
    }
    if (this.held.size) this.drain()
  }

  put(id: number, line: string): void {
    if (!this.keepOrder) {
      this.write(line)
      return
    }
    this.held.set(id, line)
    this.drain()
  }

  /** Prints whatever is still held, in order (jobs that never print do not hold back the rest at the end). */
  flush(): void {
    if (!this.order) return
    for (; this.next < this.order.length; this.next++) {
      const line = this.held.get(this.order[this.next]!)
      if (line !== undefined) this.write(line)
    }
    this.held.clear()
  }

  private drain(): void {
    if (!this.order) return
    while (this.next < this.order.length) {
      const line = this.held.get(this.order[this.next]!)
      if (line === undefined) return
      this.held.delete(this.order[this.next]!)
      this.write(line)
      this.next++
    }
  }
}
