// Every job the window knows, kept for 100,000+ rows: a plain Map (not deep-reactive) plus a
// version counter bumped once per applied event, an id list kept in id order incrementally,
// and counts by state updated per change. Filtering and sorting derive from these cheaply.
// The snapshot holds only the engine's most recent jobs, so the store also follows how many
// the engine holds in all (`engineTotal`), to say when the counts cover only part of them.
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import { LIVE_JOB_WINDOW, type EventPayloads, type StateFilter } from '../../../shared/contract.ts'
import { emptyCounts, isTerminal } from '../../../shared/job.ts'
import type { JobState, JobView } from '../../../shared/job.ts'
import { RunSegments } from '../lib/run-segments.ts'
import { call } from '../api/api.ts'
import { runCommand } from '../api/run-command.ts'
import { countOf, jobDuration } from '../lib/format.ts'

export type SortKey = 'id' | 'name' | 'kind' | 'state' | 'duration'

const STATE_ORDER: Record<JobState, number> = {
  running: 0,
  retrying: 1,
  queued: 2,
  failed: 3,
  'timed-out': 4,
  interrupted: 5,
  cancelled: 6,
  succeeded: 7,
}

export const CANCELLABLE: ReadonlySet<JobState> = new Set(['queued', 'running', 'retrying'])
export const RETRYABLE: ReadonlySet<JobState> = new Set(['failed', 'cancelled', 'timed-out', 'interrupted'])

export const useJobsStore = defineStore('jobs', () => {
  const byId = new Map<number, JobView>()
  /** Ids in ascending order (the engine hands them out increasing, so this mostly appends). */
  let order: number[] = []
  const rawCounts = emptyCounts()
  /** Running jobs, kept per change: what batch ETAs from in-job progress look at. */
  const runningIds = new Set<number>()
  const segments = markRaw(new RunSegments())

  /** Jobs the engine holds, loaded or not: the snapshot's jobsTotal, then moved by events. */
  let rawEngineTotal = 0
  /** Ids up to this one are already in rawEngineTotal (the engine hands out ids increasing). */
  let countedUpTo = 0
  /**
   * New jobs a `stats` total already counted that no `jobs` event has brought yet. The engine
   * sends a big submit's rows over several deliveries but its counts at once; without this,
   * each later slice would be counted a second time ("latest 20,000 of 35,261" for 20,261).
   */
  let countedAhead = 0

  /** Bumped once per applied event: the one reactive signal for everything above. */
  const version = ref(0)
  const stateFilter = ref<StateFilter>('all')
  const text = ref('')
  const batchFilter = ref<number | null>(null)
  /** Jobs run by one cluster agent, or '' for this machine's own; null: every machine. */
  const machineFilter = ref<string | null>(null)
  /** How many held jobs each cluster agent ran (the Machine filter's choices). */
  const machineCounts = new Map<string, number>()
  const sortKey = ref<SortKey>('id')
  /** Newest first by default: what you just submitted is at the top. */
  const sortDir = ref<1 | -1>(-1)
  const selected = shallowRef<ReadonlySet<number>>(new Set())

  function get(id: number): JobView | undefined {
    return byId.get(id)
  }

  function put(job: JobView): boolean {
    const prev = byId.get(job.id)
    if (prev) rawCounts[prev.state]--
    rawCounts[job.state]++
    countMachine(prev?.machine, -1)
    countMachine(job.machine, 1)
    byId.set(job.id, job)
    if (job.state === 'running') runningIds.add(job.id)
    else runningIds.delete(job.id)
    segments.observe(job)
    return !prev
  }

  function countMachine(machine: string | null | undefined, by: 1 | -1): void {
    if (!machine) return
    const n = (machineCounts.get(machine) ?? 0) + by
    if (n > 0) machineCounts.set(machine, n)
    else machineCounts.delete(machine)
  }

  /** The cluster agents that ran jobs the window holds, by name (empty: no cluster jobs). */
  const machines = computed<string[]>(() => {
    void version.value
    return [...machineCounts.keys()].sort()
  })

  function reset(jobs: readonly JobView[], engineTotal = jobs.length): void {
    byId.clear()
    machineCounts.clear()
    runningIds.clear()
    segments.clear()
    Object.assign(rawCounts, emptyCounts())
    for (const job of jobs) put(job)
    order = [...byId.keys()].sort((a, b) => a - b)
    rawEngineTotal = Math.max(engineTotal, byId.size)
    countedUpTo = order.length ? (order[order.length - 1] as number) : 0
    countedAhead = 0
    pruneSelection()
    version.value++
  }

  function apply(event: EventPayloads['jobs']): void {
    let unsorted = false
    for (const job of event.changed) {
      if (!put(job)) continue
      // New here; new to the engine too unless it is an older job the snapshot left out.
      if (job.id > countedUpTo) {
        if (countedAhead > 0) countedAhead--
        else rawEngineTotal++
        countedUpTo = job.id
      }
      if (order.length && job.id < (order[order.length - 1] as number)) unsorted = true
      order.push(job.id)
    }
    if (unsorted) order.sort((a, b) => a - b)
    evictBeyondWindow()
    if (event.removed.length) {
      // Removed ids name engine jobs, loaded here or not.
      rawEngineTotal -= event.removed.length
      for (const id of event.removed) {
        const prev = byId.get(id)
        if (!prev) continue
        rawCounts[prev.state]--
        countMachine(prev.machine, -1)
        byId.delete(id)
        runningIds.delete(id)
        segments.forget(id)
      }
      order = order.filter((id) => byId.has(id))
      pruneSelection()
    }
    segments.prune()
    version.value++
  }

  /**
   * Keeps the newest LIVE_JOB_WINDOW jobs: the engine reports changes to those only, so an older
   * row would stop changing. Its history segment stays; History still has the job.
   */
  function evictBeyondWindow(): void {
    const excess = order.length - LIVE_JOB_WINDOW
    if (excess <= 0) return
    for (let i = 0; i < excess; i++) {
      const id = order[i] as number
      const prev = byId.get(id)
      if (!prev) continue
      rawCounts[prev.state]--
      countMachine(prev.machine, -1)
      byId.delete(id)
      runningIds.delete(id)
      segments.forget(id)
    }
    order = order.slice(excess)
    pruneSelection()
  }

  /** How many jobs the engine holds, from its state counts (the `stats` stream). */
  function syncEngineTotal(total: number): void {
    if (total === rawEngineTotal) return
    countedAhead = Math.max(0, countedAhead + total - rawEngineTotal)
    rawEngineTotal = total
    version.value++
  }

  function pruneSelection(): void {
    if (!selected.value.size) return
    const kept = [...selected.value].filter((id) => byId.has(id))
    if (kept.length !== selected.value.size) selected.value = new Set(kept)
  }

  const counts = computed<Record<JobState, number>>(() => {
    void version.value
    return { ...rawCounts }
  })
  const total = computed(() => {
    void version.value
    return byId.size
  })
  const engineTotal = computed(() => {
    void version.value
    return Math.max(rawEngineTotal, byId.size)
  })

  /** The running jobs of each batch (loaded ones), for ETAs from in-job progress. */
  const runningByBatch = computed(() => {
    void version.value
    const map = new Map<number, JobView[]>()
    for (const id of runningIds) {
      const job = byId.get(id)
      if (!job || job.batchId === null) continue
      const list = map.get(job.batchId)
      if (list) list.push(job)
      else map.set(job.batchId, [job])
    }
    return map
  })

  /** Ids of the loaded jobs in `state`, oldest first. */
  function idsInState(state: JobState): number[] {
    const out: number[] = []
    for (const id of order) if (byId.get(id)?.state === state) out.push(id)
    return out
  }

  /** Ids to show, filtered and sorted: one pass over the ids, a sort only off the default order. */
  const visibleIds = computed<number[]>(() => {
    void version.value
    const state = stateFilter.value
    const needle = text.value.trim().toLowerCase()
    const batch = batchFilter.value
    const machine = machineFilter.value
    let ids: number[]
    if (state === 'all' && !needle && batch === null && machine === null) ids = order.slice()
    else {
      ids = []
      for (const id of order) {
        const job = byId.get(id) as JobView
        if (state !== 'all' && job.state !== state) continue
        if (batch !== null && job.batchId !== batch) continue
        if (machine !== null && (job.machine ?? '') !== machine) continue
        if (needle && !`${job.id} ${job.name} ${job.kind}`.toLowerCase().includes(needle)) continue
        ids.push(id)
      }
    }
    const dir = sortDir.value
    const key = sortKey.value
    if (key === 'id') return dir === 1 ? ids : ids.reverse()
    if (key === 'duration') {
      const byLength = durationOrder((id) => byId.get(id) as JobView, dir)
      return ids.sort((a, b) => byLength(a, b) || a - b)
    }
    const job = (id: number) => byId.get(id) as JobView
    const compare: (a: number, b: number) => number =
      key === 'name'
        ? (a, b) => job(a).name.localeCompare(job(b).name)
        : key === 'kind'
          ? (a, b) => job(a).kind.localeCompare(job(b).kind)
          : (a, b) => STATE_ORDER[job(a).state] - STATE_ORDER[job(b).state]
    return ids.sort((a, b) => dir * compare(a, b) || a - b)
  })

  /** By how long each job ran (running ones: so far); jobs not started yet come last either way. */
  function durationOrder(job: (id: number) => JobView, dir: 1 | -1): (a: number, b: number) => number {
    const now = Date.now()
    const length = (id: number) => jobDuration(job(id), now) ?? Infinity
    return (a, b) => {
      const x = length(a)
      const y = length(b)
      return x === y ? 0 : x === Infinity ? 1 : y === Infinity ? -1 : dir * (x - y)
    }
  }

  function setSort(key: SortKey): void {
    if (sortKey.value === key) sortDir.value = sortDir.value === 1 ? -1 : 1
    else {
      sortKey.value = key
      sortDir.value = key === 'id' ? -1 : 1
    }
  }

  function setSelection(ids: Iterable<number>): void {
    selected.value = new Set(ids)
  }

  function toggleSelected(id: number): void {
    const next = new Set(selected.value)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    selected.value = next
  }

  const visibleSet = computed(() => new Set(visibleIds.value))
  /**
   * The selected jobs the table shows: a row the filter hides stays selected (it comes back
   * when the filter is cleared) but Cancel, Retry, Delete and r never act on it unseen.
   */
  const selectedJobs = computed(() => {
    void version.value
    const shown = visibleSet.value
    const out: JobView[] = []
    for (const id of selected.value) {
      const job = byId.get(id)
      if (job && shown.has(id)) out.push(job)
    }
    return out
  })
  /** Selected jobs the filter hides. */
  const hiddenSelected = computed(() => {
    void version.value
    let n = 0
    for (const id of selected.value) if (byId.has(id) && !visibleSet.value.has(id)) n++
    return n
  })
  const canCancel = computed(() => selectedJobs.value.some((j) => CANCELLABLE.has(j.state)))
  const canRetry = computed(() => selectedJobs.value.some((j) => RETRYABLE.has(j.state)))
  const finishedCount = computed(() => {
    void version.value
    let n = 0
    for (const state of Object.keys(rawCounts) as JobState[]) if (isTerminal(state)) n += rawCounts[state]
    return n
  })

  /** Ids of the selected jobs that are in one of `states`. */
  function selectedIn(states: ReadonlySet<JobState>): number[] {
    return selectedJobs.value.filter((j) => states.has(j.state)).map((j) => j.id)
  }

  async function cancel(ids: number[] = selectedIn(CANCELLABLE)) {
    if (!ids.length) return
    await runCommand(
      'Could not cancel',
      () => call('cancel', { ids }),
      ({ cancelled }) => ({ level: 'info', title: `Cancelled ${countOf(cancelled, 'job')}`, message: '' }),
    )
  }

  async function retry(ids: number[] = selectedIn(RETRYABLE)) {
    if (!ids.length) return
    await runCommand(
      'Could not retry',
      () => call('retry', { ids }),
      ({ retried }) => ({ level: 'info', title: `Retrying ${countOf(retried, 'job')}`, message: '' }),
    )
  }

  /**
   * Requeues every interrupted job. The loaded ones are known here; when the engine holds more
   * than were loaded (`expected`), their ids are asked for first.
   */
  async function requeueInterrupted(expected = rawCounts.interrupted) {
    let ids = idsInState('interrupted')
    if (expected > ids.length) {
      const listed = await runCommand('Could not list the interrupted jobs', () =>
        call('listJobs', { state: 'interrupted', limit: 100_000 }),
      )
      if (!listed) return
      ids = [...new Set([...ids, ...listed.jobs.map((j) => j.id)])]
    }
    await retry(ids)
  }

  async function clearFinished() {
    await runCommand(
      'Could not clear finished jobs',
      () => call('clearFinished', {}),
      ({ removed }) => ({ level: 'info', title: `Cleared ${countOf(removed, 'finished job')}`, message: '' }),
    )
  }

  /** The job's params (the database keeps them; job views do not); errors are thrown to the caller. */
  function fetchParams(id: number) {
    return call('jobParams', { id })
  }

  /** The job's log text; errors are thrown for the caller (the log panel) to show in place. */
  function fetchLog(id: number, maxBytes = 256 * 1024) {
    return call('jobLog', { id, maxBytes })
  }

  return {
    version,
    stateFilter,
    text,
    batchFilter,
    machineFilter,
    machines,
    sortKey,
    sortDir,
    selected,
    counts,
    total,
    engineTotal,
    visibleIds,
    selectedJobs,
    hiddenSelected,
    canCancel,
    canRetry,
    finishedCount,
    runningByBatch,
    segments,
    get,
    idsInState,
    reset,
    apply,
    syncEngineTotal,
    setSort,
    setSelection,
    toggleSelected,
    cancel,
    retry,
    requeueInterrupted,
    clearFinished,
    fetchLog,
    fetchParams,
  }
})
