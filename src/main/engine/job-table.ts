// The jobs an engine holds, by id. Ids are handed out one after another, so instead of a Map
// (a hash entry of about 30 bytes per job, and a rehash of the whole table each time it
// doubles) jobs sit in fixed pages of PAGE_SIZE slots found from the id: 8 bytes a job, no
// hashing, and growth one page at a time. A page whose jobs have all left is dropped, so an
// engine that keeps clearing finished jobs (a long stream) holds pages only around the ids
// still in memory. Iteration is in id order: the order the jobs came.

const PAGE_SIZE = 1024

interface Page<J> {
  readonly first: number
  /** Occupied slots. */
  count: number
  readonly slots: (J | undefined)[]
}

export class JobTable<J extends { readonly id: number }> {
  private readonly pages = new Map<number, Page<J>>()
  /** The page keys in ascending order, or null until iteration needs them again (a page came or went). */
  private sortedKeys: number[] | null = []
  /** The page the last lookup used: a burst of events is for neighbouring ids. */
  private lastPage: Page<J> | undefined
  size = 0

  get(id: number): J | undefined {
    const page = this.pageOf(id)
    return page === undefined ? undefined : page.slots[id - page.first]
  }

  has(id: number): boolean {
    return this.get(id) !== undefined
  }

  /** Adds (or replaces) the job under its id. */
  set(job: J): void {
    let page = this.pageOf(job.id)
    if (page === undefined) {
      const key = Math.floor(job.id / PAGE_SIZE)
      page = { first: key * PAGE_SIZE, count: 0, slots: new Array<J | undefined>(PAGE_SIZE).fill(undefined) }
      this.pages.set(key, page)
      this.sortedKeys = null
      this.lastPage = page
    }
    const slot = job.id - page.first
    if (page.slots[slot] === undefined) {
      page.count++
      this.size++
    }
    page.slots[slot] = job
  }

  delete(id: number): boolean {
    const page = this.pageOf(id)
    if (page === undefined || page.slots[id - page.first] === undefined) return false
    page.slots[id - page.first] = undefined
    this.size--
    if (--page.count === 0) {
      this.pages.delete(Math.floor(id / PAGE_SIZE))
      this.sortedKeys = null
      if (this.lastPage === page) this.lastPage = undefined
    }
    return true
  }

  /** Every job, in id order. Deleting the job just yielded (or any other) while iterating is safe. */
  *values(): IterableIterator<J> {
    this.sortedKeys ??= [...this.pages.keys()].sort((a, b) => a - b)
    for (const key of this.sortedKeys) {
      const page = this.pages.get(key)
      if (page === undefined) continue // dropped while iterating
      for (let i = 0; i < PAGE_SIZE; i++) {
        const job = page.slots[i]
        if (job !== undefined) yield job
      }
    }
  }

  private pageOf(id: number): Page<J> | undefined {
    const last = this.lastPage
    if (last !== undefined && id >= last.first && id < last.first + PAGE_SIZE) return last
    const page = this.pages.get(Math.floor(id / PAGE_SIZE))
    if (page !== undefined) this.lastPage = page
    return page
  }
}
