// Start-up: hands the transport's API to the api module, keeps the session store told about
// the connection, and (re)loads the snapshot whenever the connection (re)opens. This lives
// outside stores/ because it drives every store; stores never import it back.
import { setApi } from '../api/api.ts'
import { useSessionStore } from '../stores/session.ts'
import { toCommandError } from '../transport/errors.ts'
import type { Link } from '../transport/transport.ts'
import { connect } from './connect.ts'

let link: Link | null = null
let offStatus: (() => void) | null = null
let disconnect: (() => void) | null = null
let loading = false
/** Bumped per startSession: a load begun for an older link must not install its subscriptions. */
let generation = 0

/** Loads the snapshot and subscribes; called at start, after every reconnect, and by "Try again". */
export async function loadSession(): Promise<void> {
  const session = useSessionStore()
  if (!link || loading) return
  loading = true
  const mine = generation
  if (session.phase !== 'ready') session.phase = 'loading'
  try {
    disconnect?.()
    disconnect = null
    const off = await connect(link.api)
    if (mine !== generation) return off()
    disconnect = off
    session.phase = 'ready'
    session.loadError = null
  } catch (err) {
    if (mine !== generation) return
    session.loadError = toCommandError(err).message
    if (session.phase !== 'ready') session.phase = 'error'
  } finally {
    if (mine === generation) loading = false
  }
}

/** Starts talking to the engine through `next` (a transport plus its connection state). */
export async function startSession(next: Link): Promise<void> {
  offStatus?.()
  disconnect?.()
  disconnect = null
  link?.close()
  link = next
  generation++
  loading = false
  setApi(next.api)
  const session = useSessionStore()
  session.connection = next.status()
  offStatus = next.onStatus((status) => {
    const before = session.connection.state
    session.connection = status
    if (status.state === 'open' && before !== 'open') void loadSession()
  })
  await loadSession()
}

/** Skips the reconnect backoff (the banner's "Retry now"). */
export function reconnectNow(): void {
  link?.reconnectNow()
}
