// Run by batch-lines-memory.test.ts in a child process with --expose-gc: a batch file whose
// template reads `inputs.lines` from a file beside it (written here, CRLF line ends and blank
// lines in it) is opened the desktop app's way (openBatchFiles: readBatchRequest, then the API
// host's submitLines) on a real persistent engine (SQLite in its worker, real worker threads),
// and runs to the end. Prints, as JSON, how many jobs succeeded, the batch's total as its view
// showed it over time, the most jobs the engine held, and the largest live heap (heapUsed
// right after a full collection) sampled every 100 ms.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { createApiHost } from '../../src/main/host/api-host.ts'
import { openPersistentEngine } from '../../src/main/host/persistent-engine.ts'
import { openBatchFiles } from '../../src/main/electron/open-batch.ts'

const count = Number(process.argv[2])
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const dir = await mkdtemp(join(tmpdir(), 'corelane-batch-lines-'))
// Written in chunks, so this process never holds the file either.
const out = createWriteStream(join(dir, 'inputs.txt'))
for (let i = 0; i < count; i += 10_000) {
  let chunk = ''
  for (let j = i; j < Math.min(count, i + 10_000); j++) chunk += j % 1000 === 0 ? `${j}\r\n\r\n` : `${j}\r\n`
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
}
out.end()
await finished(out)
await writeFile(
  join(dir, 'batch.json'),
  JSON.stringify({ name: 'lines', template: { kind: 'noop', params: {} }, inputs: { lines: 'inputs.txt' } }),
)
const opened = await openPersistentEngine({ dataDir: join(dir, 'data'), restore: 'none', cpuSlots: 2 })
const api = createApiHost(opened.engine, null, { store: opened.store })
const [outcome] = await openBatchFiles([join(dir, 'batch.json')], api)
if (outcome?.batchId === undefined) throw new Error(outcome?.problem ?? 'not submitted')
const batchId = outcome.batchId
let mostHeld = 0
let liveHeap = 0
let firstTotal = 0
const view = () => opened.engine.batches().find((b) => b.id === batchId)!
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    mostHeld = Math.max(mostHeld, opened.engine.listJobs({ limit: 1 }).total)
    if (firstTotal === 0) firstTotal = view().total
    gc()
    liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed)
    if (view().endedAt !== null) {
      clearInterval(timer)
      resolve()
    }
  }, 100)
})
const { total, counts } = view()
const other = Object.entries(counts).reduce((sum, [state, n]) => (state === 'succeeded' ? sum : sum + n), 0)
api.close()
await opened.close()
await rm(dir, { recursive: true, force: true })
process.stdout.write(
  JSON.stringify({
    jobs: outcome.jobs ?? null,
    succeeded: counts.succeeded,
    other,
    total,
    firstTotal,
    mostHeld,
    liveHeap,
  }),
)
