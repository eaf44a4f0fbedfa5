// The engine's API for every store, as a plain module (not a store): start-up sets it once the
// transport is picked, stores call through it. Keeping it out of Pinia is what lets the
// session store, the start-up wiring and the data stores import it without importing each
// other (the "plain module" pattern of Pinia's cookbook), so no store sits in an import circle.
import type { CommandInput, CommandName, CommandOutput, CorelaneApi } from '../../../shared/contract.ts'
import { CommandError } from '../transport/errors.ts'

let current: CorelaneApi | null = null

/** Called by start-up (and tests) with the transport's API; null when it is gone. */
export function setApi(next: CorelaneApi | null): void {
  current = next
}

export function currentApi(): CorelaneApi | null {
  return current
}

/** Sends one command; rejects with a CommandError when there is no engine to send it to yet. */
export function call<C extends CommandName>(command: C, input: CommandInput<C>): Promise<CommandOutput<C>> {
  if (!current) return Promise.reject(new CommandError({ code: 'internal', message: 'Not connected to the engine yet' }))
  return current.call(command, input)
}
