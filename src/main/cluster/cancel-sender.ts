// How the controller tells the agents to stop jobs. Two ways at once, because a pack may be in
// either place: the controller's cancelled set (KEYS.cancelled), which an agent reads as it
// takes a pack (queued packs, or one redelivered later), and a message on the control channel,
// which reaches packs already running. Cancels come in bursts (a whole batch, a pack's hand-off
// watchdogs): those of one loop turn go out as one set write and one message per reason.
import type { Redis } from 'ioredis'
import type { ControlMessage } from '../../shared/cluster.ts'
import { KEYS, cancelMember } from './redis.ts'

export type CancelReason = 'cancel' | 'timeout'

/** How long the cancelled set outlives its last write, seconds: longer than any pack waits. */
const CANCELLED_SET_TTL_S = 86_400

export class CancelSender {
  private readonly pending = new Map<CancelReason, { ids: number[]; members: string[] }>()
  private readonly connection: Redis
  private readonly controller: string

  constructor(connection: Redis, controller: string) {
    this.connection = connection
    this.controller = controller
  }

  /**
   * Sends a job's cancel at the end of this loop turn. Its set member is named now, with the
   * pack the job is in now: by the time it goes out, the job may have been let go (forget).
   */
  add(packId: string, jobId: number, reason: CancelReason): void {
    const member = cancelMember(packId, jobId, reason)
    const batch = this.pending.get(reason)
    if (batch) {
      batch.ids.push(jobId)
      batch.members.push(member)
      return
    }
    this.pending.set(reason, { ids: [jobId], members: [member] })
    setImmediate(() => {
      const { ids, members } = this.pending.get(reason)!
      this.pending.delete(reason)
      void this.send(ids, members, reason)
    })
  }

  /** Sends these jobs' cancels now, each named with its pack (an executor ending: there is no later turn for it). */
  now(jobs: { jobId: number; packId: string }[], reason: CancelReason): Promise<void> {
    return this.send(
      jobs.map((job) => job.jobId),
      jobs.map((job) => cancelMember(job.packId, job.jobId, reason)),
      reason,
    )
  }

  private async send(ids: number[], members: string[], reason: CancelReason): Promise<void> {
    const key = KEYS.cancelled(this.controller)
    const message: ControlMessage = { t: 'cancel', controller: this.controller, ids, reason }
    const commands = this.connection.multi()
    if (members.length) commands.sadd(key, ...members).expire(key, CANCELLED_SET_TTL_S)
    // Redis away: a cancel lost here is sent again when the job's grace runs out (RemoteExecutor.forget).
    await commands
      .publish(KEYS.control, JSON.stringify(message))
      .exec()
      .catch(() => {})
  }
}
