// Adds the cluster's machines to a host's event streams: every agent's telemetry, as the
// contract's `machines` event (the whole list, at most twice a second, and once a second
// anyway so an agent that stopped being heard turns "gone" on screen). The host's own
// streams and commands pass through untouched.
import type { EventName, EventPayloads } from '../../shared/contract.ts'
import type { ClusterDirectory } from './directory.ts'

type Listener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void

export interface EventSource {
  subscribe(listener: Listener): () => void
}

export function withMachineFeed<H extends EventSource>(
  host: H,
  directory: ClusterDirectory,
  everyMs = 1000,
): H & { closeMachineFeed(): void } {
  const listeners = new Set<Listener>()
  let pending: NodeJS.Timeout | null = null
  const send = () => {
    pending = null
    const machines = directory.machines()
    for (const listener of listeners) listener('machines', machines)
  }
  const soon = () => {
    pending ??= setTimeout(send, 500)
  }
  const offDirectory = directory.onChange(soon)
  const ticker = setInterval(send, everyMs)
  ticker.unref()
  return Object.assign(Object.create(host) as H, {
    subscribe(listener: Listener) {
      const off = host.subscribe(listener)
      listeners.add(listener)
      queueMicrotask(send) // a new client sees the machines at once
      return () => {
        off()
        listeners.delete(listener)
      }
    },
    closeMachineFeed() {
      offDirectory()
      clearInterval(ticker)
      if (pending) clearTimeout(pending)
      listeners.clear()
    },
  })
}
