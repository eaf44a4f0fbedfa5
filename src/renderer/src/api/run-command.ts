// The one shape every user action takes: send a command, say what came of it in a toast (or
// nothing, for actions whose result shows by itself), and on failure say what the user tried
// and what the engine answered. Stores call this instead of repeating try/push/catch/error.
import { useNoticesStore } from '../stores/notices.ts'
import type { NoticeInput } from '../stores/notices.ts'
import { toCommandError, type CommandError } from '../transport/errors.ts'

/**
 * Resolves to the command's answer, or undefined when it failed (the toast already said why).
 * `failed` sees the failure first, for a form that also shows the fields at fault beside them.
 */
export async function runCommand<T>(
  failTitle: string,
  action: () => Promise<T>,
  done?: (value: T) => NoticeInput | null,
  failed?: (error: CommandError) => void,
): Promise<T | undefined> {
  const notices = useNoticesStore()
  let value: T
  try {
    value = await action()
  } catch (err) {
    const error = toCommandError(err)
    failed?.(error)
    notices.error(failTitle, error)
    return undefined
  }
  const notice = done?.(value)
  if (notice) notices.push(notice)
  return value
}
