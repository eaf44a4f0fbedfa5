// A fixed-capacity ring buffer: the monitor keeps the last few minutes of samples without
// allocating per sample or shifting arrays.

export class RingBuffer<T> {
  readonly capacity: number
  private readonly items: (T | undefined)[]
  private start = 0
  private count = 0

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer')
    this.capacity = capacity
    this.items = new Array<T | undefined>(capacity)
  }

  get size(): number {
    return this.count
  }

  push(item: T): void {
    const index = (this.start + this.count) % this.capacity
    this.items[index] = item
    if (this.count < this.capacity) this.count++
    else this.start = (this.start + 1) % this.capacity
  }

  /** Oldest first. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined
    return this.items[(this.start + i) % this.capacity]
  }

  last(): T | undefined {
    return this.at(this.count - 1)
  }

  clear(): void {
    this.items.fill(undefined)
    this.start = 0
    this.count = 0
  }

  /** Items (oldest first) for which `keep` holds, scanning back from the newest until it fails. */
  tail(keep: (item: T) => boolean): T[] {
    let first = this.count
    while (first > 0 && keep(this.at(first - 1) as T)) first--
    const out: T[] = []
    for (let i = first; i < this.count; i++) out.push(this.at(i) as T)
    return out
  }

  toArray(): T[] {
    return this.tail(() => true)
  }
}
