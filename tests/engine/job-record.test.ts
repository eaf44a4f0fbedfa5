// A job's record, its row and its view: restoring a row (JobRecord.fromRow) gives back the job
// it was, and the live view and the stored view come from one builder, so they agree.
import { describe, expect, it } from 'vitest'
import { JobRecord, markStuck, recordView, toRow } from '../../src/main/engine/job-record.ts'
import { storedToView } from '../../src/main/engine/job-view.ts'
import type { StoredJob } from '../../src/main/engine/store/rows.ts'

const epoch = Date.now()

function stored(fields: Partial<StoredJob> = {}): StoredJob {
  return {
    id: 7,
    batchId: 2,
    name: null,
    kind: 'hash',
    params: { size: 10 },
    lane: 'cpu',
    executor: 'thread',
    priority: 1,
    state: 'succeeded',
    attempts: 2,
    maxRetries: 3,
    timeoutMs: 500,
    memoryMb: 0,
    progress: 1,
    note: 'done',
    createdAt: epoch - 5000,
    startedAt: epoch - 4000,
    endedAt: epoch - 3000,
    result: { digest: 'abc' },
    resultFile: null,
    error: null,
    hasLog: true,
    seq: 11,
    machine: null,
    ...fields,
  }
}

describe('job record', () => {
  it('restores a row into the job it was, and its view matches the stored view', () => {
    for (const row of [
      stored(),
      stored({ name: 'mine', state: 'failed', error: { code: 'job-error', message: 'x' }, result: undefined }),
      stored({ startedAt: null, endedAt: null, state: 'queued' }),
      stored({ machine: 'west' }),
    ]) {
      const job = JobRecord.fromRow(row, epoch)
      expect(job.persisted).toBe(true)
      expect(recordView(job, epoch, '/logs')).toEqual(storedToView(row, '/logs'))
    }
  })

  it('writes back the row it was restored from (params only on a first write)', () => {
    const row = stored({ machine: 'east' })
    const tuple = toRow(JobRecord.fromRow(row, epoch), epoch)
    expect(tuple).toEqual([
      7,
      2,
      null,
      'hash',
      null,
      'cpu',
      'thread',
      1,
      'succeeded',
      2,
      3,
      500,
      0,
      1,
      'done',
      row.createdAt,
      row.startedAt,
      row.endedAt,
      '{"digest":"abc"}',
      null,
      null,
      1,
      11,
      null, // after_ids: none (and written only on a first write, as params)
      'east',
      null, // input_index: not made from a stream's input
    ])
  })

  it('counts an attempt stuck on an executor as a timeout on its way, shown on that executor', () => {
    const job = JobRecord.fromSpec({ kind: 'noop', params: {}, executor: 'thread', timeoutMs: 100 }, 3, 1, 1, 0)
    markStuck(job, 5)
    expect(job).toMatchObject({ attempts: 1, lastWorkerId: 5, stopping: 'timeout', state: 'queued' })
    // Once its executor is gone (workerId cleared), its view still places it on the one it was stuck on.
    expect(recordView(job, epoch, '/logs').workerId).toBe(5)
    markStuck(job, 6) // its retry, stuck on the next executor: a second attempt
    expect(job).toMatchObject({ attempts: 2, lastWorkerId: 6 })
  })

  it('names a job after its kind and id unless it was given a name', () => {
    expect(storedToView(stored(), '/l').name).toBe('hash #7')
    expect(storedToView(stored({ name: 'mine' }), '/l').name).toBe('mine')
    expect(storedToView(stored(), '/l').logFile).toBe('/l/7.log')
  })
})
