// The one shape every user action takes: send a command, say what came of it in a toast (or
// nothing, for actions whose result shows by itself), and on failure say what the user tried
// and what the engine answered. Stores call this instead of repeating try/push/catch/error.
import { useNoticesStore } from '../stores/notices.ts'
import type { NoticeInput } from '../stores/notices.ts'

/** Resolves to the command's answer, or undefined when it failed (the toast already said why). */
export async function runCommand<T>(
  failTitle: string,
  action: () => Promise<T>,
  done?: (value: T) => NoticeInput | null,
): Promise<T | undefined> {
  const notices = useNoticesStore()
  let value: T
  try {
    value = await action()
  } catch (err) {
    notices.error(failTitle, err)
    return undefined
  }
  const notice = done?.(value)
  if (notice) notices.push(notice)
  return value
}
