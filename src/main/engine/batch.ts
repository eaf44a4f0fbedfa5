// Batch bookkeeping: counts by state, throughput over a sliding window, and the ETA derived
// from them. Updated in O(1) per job transition; views are computed only when asked for.
// The counts cover every job of the batch, also finished ones that already left the engine's
// memory (a streamed batch drops them once persisted): only forgetFinished shrinks them.
import { emptyCounts, isTerminal, TERMINAL_STATES, type BatchView, type JobState } from '../../shared/job.ts'

/** Throughput is measured over this much recent history. */
const WINDOW_MS = 10_000
const SAMPLE_EVERY_MS = 250

export class Batch {
  readonly id: number
  readonly name: string
  readonly createdAt: number
  /** Where it came from (a batch file's absolute path, or null), so `--resume` can find it. */
  readonly source: string | null
  total = 0
  /** A streamed batch's known length (a count, a range), while its input is still being read; null otherwise. */
  expected: number | null = null
  finished = 0
  endedAt: number | null = null
  /** Paused on its own: its queued jobs wait (the engine's BatchPauses holds them). */
  paused = false
  /** Cancelled as a whole (cancelBatch): nothing more is queued in it. */
  cancelled = false
  /**
   * A stream is still reading its input: the batch has not ended even while every job read so
   * far has (a file of lines, whose length is known only at its end, between two reads).
   */
  private reading = false
  readonly counts = emptyCounts()
  /** [time, finished] pairs, oldest first, at most one per SAMPLE_EVERY_MS. */
  private samples: number[] = []

  constructor(id: number, name: string, source: string | null = null, createdAt = Date.now()) {
    this.id = id
    this.name = name
    this.source = source
    this.createdAt = createdAt
  }

  /** A stream started or stopped reading its input; once it stops, the batch has ended if its jobs have. */
  setReading(reading: boolean): void {
    this.reading = reading
    this.endedAt = !reading && this.finished === this.total ? Date.now() : null
  }

  add(count: number): void {
    this.total += count
    this.counts.queued += count
    this.endedAt = null
  }

  move(from: JobState, to: JobState): void {
    this.counts[from]--
    this.counts[to]++
    const wasDone = isTerminal(from)
    const isDone = isTerminal(to)
    if (isDone && !wasDone) this.finished++
    else if (wasDone && !isDone) this.finished--
    if (isDone !== wasDone) this.sample()
    this.endedAt = !this.reading && this.finished === this.total ? Date.now() : null
  }

  /**
   * The user's "Clear finished": the batch's finished jobs (held or already gone from memory)
   * leave its counts, as they leave the window's job list; its throughput starts afresh.
   */
  forgetFinished(): void {
    for (const state of TERMINAL_STATES) this.counts[state] = 0
    this.total -= this.finished
    if (this.expected !== null) this.expected -= this.finished
    this.finished = 0
    this.samples = []
  }

  private sample(): void {
    const now = Date.now()
    const n = this.samples.length
    if (n >= 2 && now - this.samples[n - 2]! < SAMPLE_EVERY_MS) {
      this.samples[n - 1] = this.finished
      return
    }
    this.samples.push(now, this.finished)
    while (this.samples.length > 4 && now - this.samples[2]! > WINDOW_MS) this.samples.splice(0, 2)
  }

  toView(): BatchView {
    const now = this.endedAt ?? Date.now()
    // Rate since the newest sample that is older than the window (or since the batch began).
    let baseTime = this.createdAt
    let baseFinished = 0
    for (let i = 0; i < this.samples.length; i += 2) {
      if (this.samples[i]! >= now - WINDOW_MS) break
      baseTime = this.samples[i]!
      baseFinished = this.samples[i + 1]!
    }
    const throughput = ((this.finished - baseFinished) * 1000) / Math.max(1, now - baseTime)
    // A stream's total is its known length, not just what has been read so far.
    const total = Math.max(this.total, this.expected ?? 0)
    const remaining = total - this.finished
    return {
      id: this.id,
      name: this.name,
      total,
      counts: { ...this.counts },
      createdAt: this.createdAt,
      endedAt: this.endedAt,
      paused: this.paused,
      throughput,
      etaMs: remaining === 0 ? 0 : throughput > 0 ? Math.round((remaining / throughput) * 1000) : null,
    }
  }
}

/** A batch's name lists at most this many kinds. */
const NAMED_KINDS = 20

/**
 * The kinds of a batch's jobs, noted as each job is checked (submission.ts), for the name of a
 * batch submitted without one: "300 × hash", "3 kinds". One comparison a job: runs of one kind
 * (a template, most lists) skip the search.
 */
export class KindTally {
  private readonly kinds: string[] = []
  private last: string | null = null

  add(kind: string): void {
    if (kind === this.last) return
    this.last = kind
    if (this.kinds.length < NAMED_KINDS && !this.kinds.includes(kind)) this.kinds.push(kind)
  }

  /** The name of a batch of `count` jobs of the kinds noted. */
  name(count: number): string {
    const n = this.kinds.length
    return `${count} × ${n === 1 ? this.kinds[0] : `${n}${n === NAMED_KINDS ? '+' : ''} kinds`}`
  }
}
