// The Jobs table's columns, and what its Machine column says of a job.
import type { JobView } from '../../../shared/job.ts'
import type { SortKey } from '../stores/jobs.ts'

export interface JobColumn {
  key: SortKey | null
  label: string
}

const ALL: JobColumn[] = [
  { key: 'id', label: 'ID' },
  { key: 'name', label: 'Name' },
  { key: 'kind', label: 'Kind' },
  { key: 'state', label: 'State' },
  { key: null, label: 'Progress' },
  { key: null, label: 'Executor' },
  { key: null, label: 'Machine' },
  { key: null, label: 'Worker' },
  { key: null, label: 'Core' },
  { key: 'duration', label: 'Duration' },
  { key: null, label: 'Result' },
]
const LOCAL_ONLY = ALL.filter((c) => c.label !== 'Machine')

/** Machine shows only once some job ran on a cluster agent: without a cluster every row would say "local". */
export function jobColumns(cluster: boolean): JobColumn[] {
  return cluster ? ALL : LOCAL_ONLY
}

/** A job that has not run yet names no machine; one that ran here says so (a cluster mixes both). */
export function machineLabel(job: JobView): string {
  if (job.machine) return job.machine
  return job.startedAt !== null && job.machine === null ? 'local' : ''
}
