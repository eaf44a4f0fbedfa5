// The object the preload exposes as `window.corelane`, built only from the contract: `call`
// reaches the one IPC channel of a contract command, `on` hears only contract event names.
// Neither ipcRenderer nor any IPC event object ever reaches the page. Kept apart from the
// contextBridge call (index.ts) so it runs, and is tested, on plain Node.
import {
  COMMAND_NAMES,
  EVENT_NAMES,
  IPC_EVENT_CHANNEL,
  ipcChannel,
  type CommandName,
  type ContractError,
  type CorelaneApi,
} from '../shared/contract.ts'

/** The part of Electron's ipcRenderer this needs. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

const COMMANDS: ReadonlySet<string> = new Set(COMMAND_NAMES)
const EVENTS: ReadonlySet<string> = new Set(EVENT_NAMES)

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/**
 * Rejections are plain ContractError objects: contextBridge copies those whole, while an
 * Error's own fields (code, fields) would be lost on the way to the page.
 */
function contractError(code: ContractError['code'], message: string, fields?: ContractError['fields']): ContractError {
  return fields ? { code, message, fields } : { code, message }
}

export function createPreloadApi(ipc: IpcRendererLike): CorelaneApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let listening = false

  // One IPC listener for every stream: the page's callbacks only ever get the payload.
  const dispatch = (_event: unknown, message: unknown) => {
    if (!isRecord(message) || typeof message.event !== 'string') return
    const set = listeners.get(message.event)
    if (!set) return
    for (const listener of [...set]) {
      try {
        listener(message.payload)
      } catch (error) {
        console.error(`corelane: a "${message.event}" listener failed`, error)
      }
    }
  }

  async function call(command: string, input: unknown): Promise<unknown> {
    if (typeof command !== 'string' || !COMMANDS.has(command)) {
      throw contractError('unknown-command', `unknown command "${String(command).slice(0, 100)}"`)
    }
    let response: unknown
    try {
      response = await ipc.invoke(ipcChannel(command as CommandName), input)
    } catch (error) {
      throw contractError('internal', error instanceof Error ? error.message : 'the command could not reach the engine')
    }
    if (isRecord(response) && response.ok === true) return response.value
    if (isRecord(response) && response.ok === false && isRecord(response.error)) {
      const error = response.error as unknown as ContractError
      throw contractError(error.code, String(error.message), Array.isArray(error.fields) ? error.fields : undefined)
    }
    throw contractError('internal', 'the engine sent an answer this window does not understand')
  }

  function on(event: string, listener: (payload: unknown) => void): () => void {
    if (typeof event !== 'string' || !EVENTS.has(event)) throw new TypeError(`unknown event "${String(event).slice(0, 100)}"`)
    if (typeof listener !== 'function') throw new TypeError('the listener must be a function')
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener)
    if (!listening) {
      ipc.on(IPC_EVENT_CHANNEL, dispatch)
      listening = true
    }
    return () => {
      set.delete(listener)
      if (set.size === 0) listeners.delete(event)
      if (listeners.size === 0 && listening) {
        ipc.removeListener(IPC_EVENT_CHANNEL, dispatch)
        listening = false
      }
    }
  }

  return Object.freeze({ call, on }) as unknown as CorelaneApi
}
