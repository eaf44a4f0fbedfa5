// Run by api-stream-memory.test.ts in a child process with --expose-gc: an API host over a
// real persistent engine (SQLite in its worker, real worker threads) takes a `submit` of a
// template with `count` through its validated command path, as web mode's WebSocket does,
// and the batch runs to the end. Prints, as JSON, how many jobs succeeded, the most jobs the
// engine held at once, and the largest live heap (heapUsed right after a full collection)
// and RSS sampled every 100 ms.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApiHost } from '../../../src/main/host/api-host.ts'
import { openPersistentEngine } from '../../../src/main/host/persistent-engine.ts'

const count = Number(process.argv[2])
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const dataDir = await mkdtemp(join(tmpdir(), 'corelane-api-stream-'))
const opened = await openPersistentEngine({ dataDir, restore: 'none', cpuSlots: 2 })
const api = createApiHost(opened.engine, null, { store: opened.store, logDir: join(dataDir, 'logs') })
const response = await api.handle('submit', { name: 'web count', template: { kind: 'noop', params: {} }, count })
if (!response.ok) throw new Error(response.error.message)
const { batchId, jobIds, streamed } = response.value as { batchId: number; jobIds: number[]; streamed?: number }
let mostHeld = 0
let liveHeap = 0
let rss = 0
let totalSeen = 0
const started = Date.now()
const view = () => opened.engine.batches().find((b) => b.id === batchId)!
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    mostHeld = Math.max(mostHeld, opened.engine.listJobs({ limit: 1 }).total)
    totalSeen = Math.max(totalSeen, view().total)
    gc()
    liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed)
    rss = Math.max(rss, process.memoryUsage().rss)
    if (view().counts.succeeded === count) {
      clearInterval(timer)
      resolve()
    }
  }, 100)
})
const wallMs = Date.now() - started
const succeeded = view().counts.succeeded
api.close()
await opened.close()
await rm(dataDir, { recursive: true, force: true })
process.stdout.write(JSON.stringify({ succeeded, listed: jobIds.length, streamed, totalSeen, mostHeld, liveHeap, rss, wallMs }))
