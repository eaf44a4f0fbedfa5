// `corelane history`: the job database, filtered and paged, as a table, JSON or CSV.
// Reads only: it takes no lock, so it works while another Corelane is running.
import { join } from 'node:path'
import { jobsToCsv, jobsToJson } from '../shared/export.ts'
import { JobStore, StoreError } from '../main/engine/index.ts'
import { storedToView } from '../main/host/persistent-engine.ts'
import { historyJoblog } from '../main/host/history-joblog.ts'
import type { HistoryFlags } from './args.ts'
import { InputError } from './input-error.ts'
import { defaultDataDir } from './data-dir.ts'

export async function historyCommand(flags: HistoryFlags, out: NodeJS.WritableStream): Promise<number> {
  const dataDir = flags['data-dir'] ?? defaultDataDir()
  let store: JobStore
  try {
    store = await JobStore.open({ dataDir })
  } catch (error) {
    if (error instanceof StoreError) throw new InputError('--data-dir', [{ field: '', message: error.message }])
    throw error
  }
  try {
    const page = await store.history({
      state: flags.state,
      kind: flags.kind,
      batchId: flags.batch,
      text: flags.text,
      limit: flags.limit,
      offset: flags.offset,
    })
    const jobs = page.jobs.map((job) => storedToView(job, join(dataDir, 'logs')))
    if (flags.format === 'joblog') out.write(await historyJoblog(page.jobs, join(dataDir, 'logs')))
    else if (flags.format === 'json') out.write(jobsToJson(jobs))
    else if (flags.format === 'csv') out.write(jobsToCsv(jobs))
    else {
      for (const job of jobs) {
        const ms = job.startedAt !== null && job.endedAt !== null ? `${job.endedAt - job.startedAt} ms` : ''
        out.write(`${String(job.id).padStart(7)}  ${job.state.padEnd(11)} ${job.kind.padEnd(12)} ${ms.padStart(10)}  ${job.name}${job.error ? `  (${job.error.message})` : ''}\n`)
      }
      out.write(`${jobs.length} of ${page.total} jobs (offset ${flags.offset}; --limit and --offset page through)\n`)
    }
  } finally {
    await store.close()
  }
  return 0
}
