// The agent's encoder of a report's events in the wire's compact form (shared/report-events.ts,
// which decodes it): the protocol's events, written by the protocol's own EventWriter, after a
// WIRE_BASE that every run starts with, so their times are small offsets from it; and a short
// job's plain success as one WIRE_OK instead of a start and a DONE.
import { WIRE_BASE, WIRE_OK } from '../../shared/cluster.ts'
import { EventWriter } from '../engine/worker/protocol.ts'

export class ReportWriter extends EventWriter {
  /** What the times count from (epoch ms): callers write `time - base`. */
  readonly base: number

  constructor(base: number) {
    super()
    this.base = base
    this.items.push(WIRE_BASE, base)
  }

  /** Whether anything was written after the run's [WIRE_BASE, base]. */
  get hasEvents(): boolean {
    return this.items.length > 2
  }

  /** Started at `startedAt`, succeeded at `at`, with no result, result file or log. */
  ok(id: number, startedAt: number, at: number): void {
    this.items.push(WIRE_OK, id, startedAt, at)
  }

  override take(): unknown[] {
    const items = super.take()
    this.items.push(WIRE_BASE, this.base)
    return items
  }
}
