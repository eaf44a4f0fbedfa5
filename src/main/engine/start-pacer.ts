// GNU parallel's --delay: consecutive job starts at least `delayMs` apart. The gate asks
// `due` before a job is handed to a worker and calls `take` when it is; `nextAt` is when the
// next start may be.
export class StartPacer {
  private readonly delayMs: number
  private lastStart = -Infinity

  constructor(delayMs: number) {
    this.delayMs = delayMs
  }

  due(now: number): boolean {
    return now >= this.nextAt()
  }

  nextAt(): number {
    return this.lastStart + this.delayMs
  }

  /** A job starts now. */
  take(now: number): void {
    this.lastStart = now
  }
}
