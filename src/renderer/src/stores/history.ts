// Past jobs from the engine's database, a page at a time (newest first), with filters by
// state, kind, batch and name (batches named from the database, so cleared ones too); and the same selection exported as CSV or JSON, saved as a file.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CommandInput, HistoryBatch, StateFilter } from '../../../shared/contract.ts'
import type { JobView } from '../../../shared/job.ts'
import { downloadText } from '../lib/download.ts'
import { countOf, formatCount } from '../lib/format.ts'
import { call } from '../api/api.ts'
import { runCommand } from '../api/run-command.ts'
import { toCommandError } from '../transport/errors.ts'

export const PAGE_SIZE = 100
/** The most rows one export holds (the contract's limit). */
export const EXPORT_LIMIT = 100_000

export type ExportFormat = CommandInput<'exportHistory'>['format']

export interface HistoryFilters {
  state: StateFilter
  kind: string
  /** null: every batch. */
  batchId: number | null
  text: string
}

export const useHistoryStore = defineStore('history', () => {
  const filters = ref<HistoryFilters>({ state: 'all', kind: '', batchId: null, text: '' })
  const offset = ref(0)
  const rows = shallowRef<JobView[]>([])
  const total = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const exporting = ref<ExportFormat | null>(null)
  /** The batches the database holds, newest first; empty when the host keeps no history. */
  const batches = shallowRef<HistoryBatch[]>([])
  /** Answers to older requests are dropped: only the latest page shows. */
  let seq = 0

  const from = computed(() => (total.value ? offset.value + 1 : 0))
  const to = computed(() => Math.min(total.value, offset.value + rows.value.length))
  const hasPrev = computed(() => offset.value > 0)
  const hasNext = computed(() => offset.value + PAGE_SIZE < total.value)

  function query(): Omit<CommandInput<'history'>, 'offset' | 'limit'> {
    const f = filters.value
    const q: Omit<CommandInput<'history'>, 'offset' | 'limit'> = {}
    if (f.state !== 'all') q.state = f.state
    if (f.kind) q.kind = f.kind
    if (f.batchId !== null) q.batchId = f.batchId
    const text = f.text.trim()
    if (text) q.text = text
    return q
  }

  /** Names for the batch filter and the rows; a failure only leaves the names to the live batches. */
  async function loadBatches(): Promise<void> {
    try {
      batches.value = await call('historyBatches', {})
    } catch {
      batches.value = []
    }
  }

  async function load(): Promise<void> {
    const mine = ++seq
    if (offset.value === 0) void loadBatches()
    loading.value = true
    try {
      const page = await call('history', { ...query(), offset: offset.value, limit: PAGE_SIZE })
      if (mine !== seq) return
      rows.value = page.jobs
      total.value = page.total
      error.value = null
      loaded.value = true
      // The page ran past the end (jobs were cleared meanwhile): show the last page there is.
      if (!page.jobs.length && offset.value > 0 && page.total > 0) {
        offset.value = Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE
        return load()
      }
    } catch (err) {
      if (mine !== seq) return
      error.value = toCommandError(err).message
      rows.value = []
      total.value = 0
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  /** Changes filters and goes back to the first page. */
  function setFilters(patch: Partial<HistoryFilters>): Promise<void> {
    filters.value = { ...filters.value, ...patch }
    offset.value = 0
    return load()
  }

  function next(): Promise<void> {
    if (!hasNext.value) return Promise.resolve()
    offset.value += PAGE_SIZE
    return load()
  }

  function prev(): Promise<void> {
    if (!hasPrev.value) return Promise.resolve()
    offset.value = Math.max(0, offset.value - PAGE_SIZE)
    return load()
  }

  /** Every job the filters match (up to EXPORT_LIMIT), as a file the user saves. */
  async function exportAs(format: ExportFormat): Promise<void> {
    if (exporting.value) return
    exporting.value = format
    try {
      await runCommand(
        'Could not export the history',
        () => call('exportHistory', { ...query(), format, offset: 0, limit: EXPORT_LIMIT }),
        (out) => {
          downloadText(out.text, out.fileName, out.mimeType)
          const capped = out.count >= EXPORT_LIMIT && total.value > out.count ? ` (the newest ${formatCount(out.count)})` : ''
          return { level: 'success', title: `Exported ${countOf(out.count, 'job')}${capped}`, message: out.fileName }
        },
      )
    } finally {
      exporting.value = null
    }
  }

  return {
    filters,
    offset,
    rows,
    total,
    loading,
    loaded,
    error,
    exporting,
    batches,
    from,
    to,
    hasPrev,
    hasNext,
    load,
    setFilters,
    next,
    prev,
    exportAs,
  }
})
