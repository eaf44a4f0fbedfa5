// `corelane history`: the job database, filtered and paged, as a table, JSON or CSV.
// Reads only: it takes no lock, so it works while another Corelane is running, and it writes
// nothing (no new database, no journal), so it works on a full disk or a read-only folder.
import { jobsToCsv } from '../shared/export.ts'
import type { JobView } from '../shared/job.ts'
import { JobStore, StoreError } from '../main/engine/index.ts'
import { logsDir } from '../main/engine/data-layout.ts'
import { storedToView } from '../main/host/persistent-engine.ts'
import { historyJoblog } from '../main/host/history-joblog.ts'
import type { HistoryFlags } from './args.ts'
import { InputError } from './input-error.ts'
import { defaultDataDir } from './data-dir.ts'

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** Times as ISO 8601 strings, as `run --json` and the CSV export print them (not epoch milliseconds). */
function withIsoTimes(
  job: JobView,
): Omit<JobView, 'createdAt' | 'startedAt' | 'endedAt'> & Record<'createdAt' | 'startedAt' | 'endedAt', string | null> {
  return { ...job, createdAt: iso(job.createdAt), startedAt: iso(job.startedAt), endedAt: iso(job.endedAt) }
}

export async function historyCommand(flags: HistoryFlags, out: NodeJS.WritableStream): Promise<number> {
  const dataDir = flags['data-dir'] ?? defaultDataDir()
  let store: JobStore
  try {
    store = await JobStore.open({ dataDir, readOnly: true })
  } catch (error) {
    if (error instanceof StoreError && error.code === 'corrupt') {
      const way =
        'history only reads; `corelane run … --reset-db` or `corelane serve --reset-db` keeps it aside and starts a new one'
      throw new InputError('--data-dir', [{ field: '', message: `${error.message}; ${way}` }])
    }
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
    const jobs = page.jobs.map((job) => storedToView(job, logsDir(dataDir)))
    if (flags.format === 'joblog') out.write(await historyJoblog(page.jobs, logsDir(dataDir)))
    else if (flags.format === 'json') out.write(`${JSON.stringify(jobs.map(withIsoTimes), null, 2)}\n`)
    else if (flags.format === 'csv') out.write(jobsToCsv(jobs))
    else {
      for (const job of jobs) {
        const ms = job.startedAt !== null && job.endedAt !== null ? `${job.endedAt - job.startedAt} ms` : ''
        out.write(
          `${String(job.id).padStart(7)}  ${job.state.padEnd(11)} ${job.kind.padEnd(12)} ${ms.padStart(10)}  ${job.name}${job.error ? `  (${job.error.message})` : ''}\n`,
        )
      }
      out.write(`${jobs.length} of ${page.total} jobs (offset ${flags.offset}; --limit and --offset page through)\n`)
    }
  } finally {
    await store.close()
  }
  return 0
}
