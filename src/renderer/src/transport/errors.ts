// Every failure a command can produce, whatever the transport, ends up as one ContractError
// shape (code, sentence, fields at fault) so the UI can show it the same way everywhere.
import type { ContractError } from '../../../shared/contract.ts'

const CODES: readonly ContractError['code'][] = ['invalid-input', 'unknown-command', 'not-found', 'internal']

/** A rejected command: an Error (for stack traces) that is also a ContractError. */
export class CommandError extends Error implements ContractError {
  readonly code: ContractError['code']
  readonly fields: { field: string; message: string }[]
  constructor(error: ContractError) {
    super(error.message)
    this.name = 'CommandError'
    this.code = error.code
    this.fields = error.fields ?? []
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function cleanFields(fields: unknown): { field: string; message: string }[] {
  if (!Array.isArray(fields)) return []
  return fields.filter(isRecord).map((f) => ({ field: String(f.field ?? ''), message: String(f.message ?? '') }))
}

/** Electron prefixes errors that crossed `ipcRenderer.invoke`; users don't need to read that. */
function stripIpcPrefix(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '')
}

/** Normalises anything thrown by a transport (plain object, Error, string) into a CommandError. */
export function toCommandError(err: unknown): CommandError {
  if (err instanceof CommandError) return err
  if (isRecord(err) && typeof err.message === 'string') {
    const code = CODES.includes(err.code as ContractError['code']) ? (err.code as ContractError['code']) : 'internal'
    return new CommandError({ code, message: stripIpcPrefix(err.message), fields: cleanFields(err.fields) })
  }
  return new CommandError({ code: 'internal', message: typeof err === 'string' ? err : 'Something went wrong' })
}
