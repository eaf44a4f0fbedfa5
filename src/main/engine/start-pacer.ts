// GNU parallel's --delay: consecutive job starts at least `delayMs` apart. The engine asks
// before handing a job to a worker; when it is too early, it looks again at `retryAt`.
export class StartPacer {
  private readonly delayMs: number
  private lastStart = -Infinity

  constructor(delayMs: number) {
    this.delayMs = delayMs
  }

  /** Takes a start if one is due at `now` (and counts it); otherwise says when the next is. */
  take(now: number): { ok: true } | { ok: false; retryAt: number } {
    const due = this.lastStart + this.delayMs
    if (now < due) return { ok: false, retryAt: due }
    this.lastStart = now
    return { ok: true }
  }
}
