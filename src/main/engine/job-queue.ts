// The waiting line of one lane: higher priority first, first-in first-out within a priority.
// Buckets of ring buffers keep push, pop and put-back O(1) however long the queue grows;
// cancelled jobs stay in place as tombstones and are skipped when they reach the front.

/** A growable ring buffer with cheap operations at both ends. */
export class Deque<T> {
  private items: (T | undefined)[] = new Array(16)
  private head = 0
  length = 0

  push(item: T): void {
    if (this.length === this.items.length) this.grow()
    this.items[(this.head + this.length) & (this.items.length - 1)] = item
    this.length++
  }

  unshift(item: T): void {
    if (this.length === this.items.length) this.grow()
    this.head = (this.head - 1) & (this.items.length - 1)
    this.items[this.head] = item
    this.length++
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & (this.items.length - 1)
    this.length--
    return item
  }

  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head]
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.items.length * 2)
    for (let i = 0; i < this.length; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)]
    this.items = next
    this.head = 0
  }
}

export interface Queueable {
  priority: number
}

export class JobQueue<T extends Queueable> {
  /** False once a job has left the queue some other way (cancelled): it is then skipped. */
  private readonly isWaiting: (item: T) => boolean
  private readonly buckets = new Map<number, Deque<T>>()
  /** The buckets, highest priority first: peek walks this array, not the map. */
  private ordered: { priority: number; items: Deque<T> }[] = []
  /** The bucket the last push went to: a batch is pushed one job after another at one priority. */
  private lastPriority = NaN
  private lastBucket: Deque<T> | null = null
  /** The bucket peek found its job in, so shift right after it skips the search. */
  private front: Deque<T> | null = null
  /** Jobs really waiting (tombstones excluded). */
  size = 0

  constructor(isWaiting: (item: T) => boolean) {
    this.isWaiting = isWaiting
  }

  private bucket(priority: number): Deque<T> {
    if (priority === this.lastPriority) return this.lastBucket!
    let bucket = this.buckets.get(priority)
    if (!bucket) {
      bucket = new Deque<T>()
      this.buckets.set(priority, bucket)
      this.ordered.push({ priority, items: bucket })
      this.ordered.sort((a, b) => b.priority - a.priority)
    }
    this.lastPriority = priority
    this.lastBucket = bucket
    return bucket
  }

  push(item: T): void {
    this.bucket(item.priority).push(item)
    this.size++
  }

  /** Puts a job back at the front of its priority, e.g. when its worker died before starting it. */
  putBack(item: T): void {
    this.bucket(item.priority).unshift(item)
    this.size++
  }

  /** The job that would run next, skipping tombstones. */
  peek(): T | undefined {
    const ordered = this.ordered
    for (let i = 0; i < ordered.length; i++) {
      const bucket = ordered[i]!.items
      let head = bucket.peek()
      while (head && !this.isWaiting(head)) {
        bucket.shift()
        head = bucket.peek()
      }
      if (head) {
        this.front = bucket
        return head
      }
    }
    return undefined
  }

  shift(): T | undefined {
    const head = this.peek()
    if (head) {
      this.front!.shift()
      this.size--
    }
    return head
  }

  /** Call when a waiting job leaves without being shifted (it becomes a tombstone). */
  forget(): void {
    this.size--
  }
}
