// The CLI's side of "nothing lost": the user hears at once when the database cannot be
// written (a full disk, say), the store keeps retrying meanwhile, and the CLI does not leave
// with success while job records are only in memory.
import type { Durability, JobStore } from '../main/engine/index.ts'

/** Exit code when the CLI leaves with job records not yet in the database. */
export const EXIT_NOT_DURABLE = 3

/** Tells `err` when writes start failing and when they land again; returns the unsubscribe. */
export function reportDurability(store: JobStore, err: NodeJS.WritableStream): () => void {
  return store.onDurability((state: Durability) => {
    if (!state.durable) {
      err.write(
        `\ncorelane: cannot write the job database ${store.file} (${state.error ?? 'unknown error'}): ` +
          `${state.pendingJobs} job records are kept in memory and retried until they are saved; free some space\n`,
      )
    } else err.write('\ncorelane: the job database is written again; every job record is saved\n')
  })
}

/**
 * Ctrl-C and SIGTERM from now on mean "stop waiting for the database" (not "die"): installed
 * before anything is printed, because whoever reads the message may signal at once, and a
 * signal with no handler kills the process with its records unsaved.
 */
export function trapStopSignals(): { signal: AbortSignal; release: () => void } {
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: stop.signal,
    release: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

/** Waits until every job record is committed, saying so while it is not, until `signal` aborts. Returns whether everything is saved. */
export async function waitUntilDurable(store: JobStore, err: NodeJS.WritableStream, signal: AbortSignal): Promise<boolean> {
  let state = await store.flush()
  if (state.durable) return true
  err.write(
    `corelane: ${state.pendingJobs} job records are not saved yet (${state.error ?? 'unknown error'}); ` +
      `retrying until they are — free space on the disk, or press Ctrl-C to give up (exit code ${EXIT_NOT_DURABLE})\n`,
  )
  state = await store.whenDurable(signal)
  if (!state.durable) {
    err.write(
      `corelane: gave up: ${state.pendingJobs} job records were not saved (${state.error ?? 'unknown error'}); --resume will run those jobs again\n`,
    )
  }
  return state.durable
}
