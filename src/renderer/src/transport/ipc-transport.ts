// Electron: the preload exposes a CorelaneApi as `window.corelane`. Wrapping it only normalises
// errors (the bridge may hand back plain objects or prefixed Error messages); IPC is always up.
import type { CorelaneApi } from '../../../shared/contract.ts'
import { toCommandError } from './errors.ts'
import type { ConnectionStatus, Link } from './transport.ts'

const OPEN: ConnectionStatus = { via: 'ipc', state: 'open', attempt: 0, retryAt: null, reason: null }

export function createIpcTransport(bridge: CorelaneApi): Link {
  const api: CorelaneApi = {
    async call(command, input) {
      try {
        return await bridge.call(command, input)
      } catch (err) {
        throw toCommandError(err)
      }
    },
    on: (event, listener) => bridge.on(event, listener),
  }
  return {
    api,
    status: () => OPEN,
    onStatus: () => () => {},
    reconnectNow: () => {},
    close: () => {},
  }
}
