// Run by stream-memory.test.ts in a child process with --expose-gc: streams `count` no-op jobs
// through engine.submitStream on a real persistent engine and prints, as JSON, the most jobs the
// engine held and the largest live heap (heapUsed right after a full collection) sampled
// every 1,000 settled jobs.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPersistentEngine } from '../../src/main/host/persistent-engine.ts'
import { rangeInputs, streamSubmission } from '../../src/main/engine/submission.ts'

const [count, window] = process.argv.slice(2).map(Number) as [number, number]
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const dataDir = await mkdtemp(join(tmpdir(), 'corelane-feed-mem-'))
const opened = await openPersistentEngine({ dataDir, restore: 'none', cpuSlots: 2 })
const { engine } = opened
const names = new Set<string>()
let mostHeld = 0
let liveHeap = 0
let settled = 0
engine.onJobSettled((job) => {
  if (job.state === 'succeeded') names.add(job.name)
  if (++settled % 1000 === 0) {
    mostHeld = Math.max(mostHeld, engine.listJobs({ limit: 1 }).total)
    gc()
    liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed)
  }
})
const stream = engine.submitStream({
  name: `stream ${count}`,
  window,
  total: count,
  specs: streamSubmission({
    template: { name: 'n {}', kind: 'noop', params: {} },
    inputs: rangeInputs({ from: 0, to: count, step: 1 }),
  }),
})
await stream.done
const view = engine.batches().find((b) => b.id === stream.batchId)!
const held = engine.listJobs({ limit: 1 }).total
await opened.close()
await rm(dataDir, { recursive: true, force: true })
process.stdout.write(
  JSON.stringify({
    names: names.size,
    first: names.has('n 0'),
    last: names.has(`n ${count - 1}`),
    mostHeld,
    held,
    liveHeap,
    progress: stream.progress,
    view: { total: view.total, succeeded: view.counts.succeeded },
  }),
)
