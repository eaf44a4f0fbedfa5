// What the CLI tells a user whose data folder cannot be used: busy (another Corelane), a
// corrupt database (and the flag that keeps it aside), or an unwritable place (a file where the
// folder should be, a read-only folder, a lock that is not a file). Exit code 2.
import { DataDirBusyError, DataDirError, StoreError } from '../main/engine/index.ts'
import { InputError } from './input-error.ts'

/** Turns a data-folder failure into an InputError naming --data-dir; anything else is rethrown as is. */
export function dataDirError(error: unknown, resetFlag: string | null): never {
  if (error instanceof StoreError && error.code === 'corrupt' && resetFlag) {
    throw new InputError('--data-dir', [
      { field: '', message: `${error.message}; run again with ${resetFlag} to keep it aside and start a new database` },
    ])
  }
  if (error instanceof DataDirBusyError || error instanceof DataDirError || error instanceof StoreError) {
    throw new InputError('--data-dir', [{ field: '', message: error.message }])
  }
  throw error
}
