// Run by stream-deps-memory.test.ts in a child process with --expose-gc: streams `jobs` no-op
// jobs in pairs (`fetch i`, then `parse i` waiting for it by name) through engine.submitStream
// with dependencies on a real persistent engine, and prints, as JSON, how the parses ended,
// how many ran before their fetch, the most jobs the engine held, and the largest live heap
// (heapUsed right after a full collection), sampled every 100 ms.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ValidJobSpec } from '../../src/shared/schemas.ts'
import type { IndexedSpec } from '../../src/main/engine/submission.ts'
import { openPersistentEngine } from '../../src/main/host/persistent-engine.ts'

const jobs = Number(process.argv[2])
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const dataDir = await mkdtemp(join(tmpdir(), 'corelane-stream-deps-'))
const opened = await openPersistentEngine({ dataDir, restore: 'none', cpuSlots: 2 })
const { engine } = opened

async function* pairs(): AsyncGenerator<IndexedSpec> {
  for (let index = 0; index < jobs; index++) {
    const i = index >> 1
    const spec =
      index % 2 === 0
        ? { name: `fetch ${i}`, kind: 'noop', params: {} }
        : { name: `parse ${i}`, kind: 'noop', params: {}, after: [`fetch ${i}`] }
    yield { index, spec: spec as ValidJobSpec }
  }
}

const fetchEnded = new Map<string, number>()
let early = 0
let parsed = 0
engine.onJobSettled((job) => {
  if (job.name.startsWith('fetch')) fetchEnded.set(job.name.slice(6), job.endedAt!)
  else if (job.state === 'succeeded') {
    parsed++
    const fetched = fetchEnded.get(job.name.slice(6))
    if (fetched === undefined || job.startedAt! < fetched) early++
    fetchEnded.delete(job.name.slice(6))
  }
})
let mostHeld = 0
let liveHeap = 0
const sampler = setInterval(() => {
  mostHeld = Math.max(mostHeld, engine.listJobs({ limit: 1 }).total)
  gc()
  liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed)
}, 100)
const stream = engine.submitStream({ name: `pairs ${jobs}`, window: 2000, total: jobs, dependencies: true, specs: pairs() })
await stream.done
clearInterval(sampler)
gc()
liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed)
const view = engine.batches().find((b) => b.id === stream.batchId)!
await opened.close()
await rm(dataDir, { recursive: true, force: true })
process.stdout.write(
  JSON.stringify({ parsed, early, succeeded: view.counts.succeeded, mostHeld, liveHeap, pending: fetchEnded.size }),
)
