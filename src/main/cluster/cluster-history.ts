// The job database for cluster runs, until the engine (which keeps it for local runs) drives
// remote executors itself: the same data folder, lock and SQLite store, ids after the
// highest stored one, one batch row, each job written when queued and once more when it
// reaches its one terminal state. So `corelane history` lists cluster jobs like local ones.
import { mkdir } from 'node:fs/promises'
import { JobStore, lockDataDir } from '../engine/index.ts'
import type { ClusterJobView } from './cluster-driver.ts'

type Row = Parameters<JobStore['write']>[0][number]

export interface ClusterHistory {
  store: JobStore
  /** The first free job id and the batch id for this run. */
  firstJobId: number
  batchId: number
  /** Records a job (params only on its first write, as the engine does). */
  record(job: ClusterJobView, params?: Record<string, unknown>, memoryMb?: number): void
  close(): Promise<void>
}

const FLUSH_MS = 100

export async function openClusterHistory(options: {
  dataDir: string
  moveAsideCorrupt?: boolean
  batchName: string
  source: string | null
}): Promise<ClusterHistory> {
  await mkdir(options.dataDir, { recursive: true })
  const unlock = await lockDataDir(options.dataDir)
  let store: JobStore
  try {
    store = await JobStore.open({ dataDir: options.dataDir, moveAsideCorrupt: options.moveAsideCorrupt })
  } catch (error) {
    await unlock()
    throw error
  }
  const loaded = await store.load(1)
  const batchId = loaded.maxBatchId + 1
  let seq = loaded.maxSeq
  store.write([], [{ id: batchId, name: options.batchName, createdAt: Date.now(), source: options.source }])
  let rows: Row[] = []
  let timer: NodeJS.Timeout | null = null
  const flush = () => {
    timer = null
    store.write(rows, [])
    rows = []
  }
  return {
    store,
    firstJobId: loaded.maxJobId + 1,
    batchId,
    record(job, params, memoryMb = 0) {
      rows.push([
        job.id,
        batchId,
        job.name,
        job.kind,
        params ? JSON.stringify(params) : null,
        job.lane,
        job.executor,
        job.priority,
        job.state,
        job.attempts,
        job.maxRetries,
        job.timeoutMs ?? 0,
        memoryMb,
        job.progress,
        job.note,
        job.createdAt,
        job.startedAt,
        job.endedAt,
        job.result === undefined ? null : JSON.stringify(job.result),
        job.resultFile ? JSON.stringify(job.resultFile) : null,
        job.error ? JSON.stringify(job.error) : null,
        job.logFile ? 1 : 0,
        ++seq,
      ])
      timer ??= setTimeout(flush, FLUSH_MS)
    },
    async close() {
      if (timer) clearTimeout(timer)
      flush()
      await store.flush()
      await store.close()
      await unlock()
    },
  }
}
