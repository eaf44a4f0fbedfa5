// connect(api): snapshot first, then events; events that beat the snapshot are dropped.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { EventName } from '../../src/shared/contract.ts'
import { connect } from '../../src/renderer/src/startup/connect.ts'
import { useBatchesStore } from '../../src/renderer/src/stores/batches.ts'
import { useEngineStore } from '../../src/renderer/src/stores/engine.ts'
import { useJobsStore } from '../../src/renderer/src/stores/jobs.ts'
import { useKindsStore } from '../../src/renderer/src/stores/kinds.ts'
import { useMonitorStore } from '../../src/renderer/src/stores/monitor.ts'
import { useMachinesStore } from '../../src/renderer/src/stores/machines.ts'
import { useNoticesStore } from '../../src/renderer/src/stores/notices.ts'
import { useWorkersStore } from '../../src/renderer/src/stores/workers.ts'
import { createFakeApi, makeBatch, makeJob, makeSample, makeSnapshot, makeStats, makeWorker } from './fake-api.ts'

/** The streams the window follows (the lab stream belongs to the lab view, not to connect()). */
const STREAMS: EventName[] = ['jobs', 'workers', 'batches', 'stats', 'monitor']

describe('connect', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('loads the snapshot into every store, then follows every event stream', async () => {
    const fake = createFakeApi(
      makeSnapshot({
        jobs: [makeJob(1)],
        workers: [makeWorker(1)],
        batches: [makeBatch(1, { total: 1 })],
        monitor: makeSample(1000, [1, 2]),
      }),
    )
    const off = await connect(fake.api)
    for (const event of STREAMS) expect(fake.listenerCount(event)).toBe(1)
    expect(useJobsStore().total).toBe(1)
    expect(useWorkersStore().list).toHaveLength(1)
    expect(useBatchesStore().list).toHaveLength(1)
    expect(useKindsStore().visible.map((k) => k.name)).not.toContain('alloc-until-oom')
    expect(useEngineStore().stats?.cores).toBe(4)
    expect(useMonitorStore().latest?.cores).toEqual([1, 2])

    fake.emit('jobs', { changed: [makeJob(1, { state: 'running', workerId: 1, startedAt: 1500 }), makeJob(2)], removed: [] })
    fake.emit('workers', [makeWorker(1, { state: 'busy', jobIds: [1], core: 3 })])
    fake.emit('stats', makeStats({ paused: true }))
    fake.emit('monitor', makeSample(2000, [50, 60]))
    fake.emit('monitor', makeSample(1500, [0, 0])) // out of order: ignored
    expect(useJobsStore().counts.running).toBe(1)
    expect(useJobsStore().total).toBe(2)
    expect(useWorkersStore().busyByCore.get(3)?.[0]?.id).toBe(1)
    expect(useEngineStore().paused).toBe(true)
    expect(
      useMonitorStore()
        .recent(10_000)
        .map((s) => s.at),
    ).toEqual([1000, 2000])

    off()
    for (const event of STREAMS) expect(fake.listenerCount(event)).toBe(0)
  })

  it('drops events that arrive before the snapshot answer', async () => {
    const fake = createFakeApi()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    fake.handle('snapshot', async () => {
      await gate
      return makeSnapshot({ jobs: [makeJob(1, { state: 'succeeded' })] })
    })
    const connecting = connect(fake.api)
    fake.emit('jobs', { changed: [makeJob(1, { state: 'running' })], removed: [] })
    release()
    await connecting
    expect(useJobsStore().get(1)?.state).toBe('succeeded')
  })

  it('announces a batch when it ends, with its wall time', async () => {
    const fake = createFakeApi(makeSnapshot({ batches: [makeBatch(7, { name: '8 × sleep 1 s', total: 8, createdAt: 10_000 })] }))
    await connect(fake.api)
    const counts = { ...makeBatch(7).counts, succeeded: 8 }
    fake.emit('batches', [makeBatch(7, { name: '8 × sleep 1 s', total: 8, createdAt: 10_000, endedAt: 12_050, counts })])
    const notice = useNoticesStore().list.at(-1)
    expect(notice?.title).toBe('8 × sleep 1 s finished in 2.05 s')
    expect(notice?.message).toBe('8 succeeded')
  })

  it('shows a notice when the job database cannot be written, and another when it is again', async () => {
    const fake = createFakeApi(makeSnapshot())
    await connect(fake.api)
    fake.emit('storage', { durable: false, pendingJobs: 42, error: 'database or disk is full' })
    const notices = useNoticesStore()
    expect(notices.list.at(-1)).toMatchObject({
      level: 'error',
      title: 'The job database cannot be written',
      message: expect.stringMatching(/disk is full: 42 job records/),
    })
    fake.emit('storage', { durable: true, pendingJobs: 0, error: null })
    expect(notices.list.at(-1)).toMatchObject({ level: 'success', title: 'The job database is written again' })
  })

  it('says when the cluster of the settings cannot be reached, and when it is linked again', async () => {
    const fake = createFakeApi(makeSnapshot())
    await connect(fake.api)
    const notices = useNoticesStore()
    const before = notices.list.length
    // A window opened on a host already linked: nothing to say.
    fake.emit('cluster', { state: 'linked', url: 'redis://:***@redis-host:6379', error: null })
    expect(notices.list.length).toBe(before)
    const error = 'cannot reach Redis at redis://:***@redis-host:6379: connect ECONNREFUSED 10.0.0.5:6379'
    fake.emit('cluster', { state: 'unreachable', url: 'redis://:***@redis-host:6379', error })
    expect(notices.list.at(-1)).toMatchObject({
      level: 'error',
      title: 'Cannot reach the cluster',
      message: expect.stringContaining('ECONNREFUSED 10.0.0.5:6379. Jobs run on this machine only'),
    })
    fake.emit('cluster', { state: 'unreachable', url: 'redis://:***@redis-host:6379', error })
    expect(notices.list.filter((n) => n.title === 'Cannot reach the cluster')).toHaveLength(1)
    fake.emit('cluster', { state: 'linked', url: 'redis://:***@redis-host:6379', error: null })
    expect(notices.list.at(-1)).toMatchObject({ level: 'success', title: 'Linked to the cluster' })
    expect(useMachinesStore().link?.state).toBe('linked')
  })
})
